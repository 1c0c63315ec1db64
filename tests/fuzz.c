/*
 * fuzz.c - libFuzzer target for the header checks: any bytes, any length.
 * When a header passes, the checksum is taken over the data it announces,
 * so ASan catches any read past what md_check_header said was there.
 */
#include "../memdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct md_header h;
	struct md_sum s;
	enum md_status st = md_check_header(data, size);

	(void)md_reason(st);
	(void)md_is_ours(data, size);
	if (st != MD_OK)
		return 0;
	memcpy(&h, data, sizeof h);
	md_sum_init(&s);
	/* a copy: fuzzer input is not aligned for int32_t */
	for (uint64_t i = 0; i < h.count; i++) {
		int32_t v[1];

		memcpy(v, data + sizeof h + i * sizeof v, sizeof v);
		md_sum_add(&s, v, 1);
	}
	(void)md_sum_final(&s);
	return 0;
}
