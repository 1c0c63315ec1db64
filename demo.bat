@echo off
rem demo.bat [FOLDER] - fmwrite and fmread, step by step. Runs from any
rem folder: the programs are in FOLDER, by default in build\ beside this
rem file, where make puts them.
rem Exits 0 when every step showed what it should, 1 otherwise.
setlocal
set "BIN=%~dp0build"
if not "%~1"=="" set "BIN=%~f1"
if not exist "%BIN%\fmwrite.exe" goto noprograms
if not exist "%BIN%\fmread.exe" goto noprograms
echo demo: the programs in "%BIN%"
set "DIR=%TEMP%\fmdemo-%RANDOM%"
mkdir "%DIR%"
if errorlevel 1 exit /b 1
set "FILE=%DIR%\demo.bin"

echo == 1. fmwrite creates demo.bin, maps it and writes 0..9 through the view
"%BIN%\fmwrite.exe" -n 10 "%FILE%"
if errorlevel 1 goto failed

echo == 2. fmread maps the same file read-only, checks it, prints the integers
"%BIN%\fmread.exe" -q "%FILE%"
if errorlevel 1 goto failed

echo == 3. fmread --check: header and checksum only
"%BIN%\fmread.exe" -q --check "%FILE%"
if errorlevel 1 goto failed

echo == 4. a file that is not ours: fmwrite refuses it with 3 and leaves it alone
echo somebody's notes> "%DIR%\notes.txt"
"%BIN%\fmwrite.exe" "%DIR%\notes.txt"
if not "%ERRORLEVEL%"=="3" goto failed
findstr /c:"somebody's notes" "%DIR%\notes.txt" >nul
if errorlevel 1 goto failed
echo    notes.txt is left as it was

echo == 5. fmread on that file: refused with 3, nothing printed as data
"%BIN%\fmread.exe" -q "%DIR%\notes.txt"
if not "%ERRORLEVEL%"=="3" goto failed
echo    refused

echo == 6. live: a holding writer in the background, the reader attaches to its mapping
rem --wait: the reader may start first; it waits for the writer's signal
start "" /b "%BIN%\fmwrite.exe" --hold 20 -n 5 "%DIR%\live.bin"
"%BIN%\fmread.exe" --wait 20 "%DIR%\live.bin"
if errorlevel 1 goto failed
echo    the writer lets go as soon as the reader reports it has finished

echo == 7. shared memory with no file at all: backed by the paging file
set "NAME=fmdemo-%RANDOM%"
start "" /b "%BIN%\fmwrite.exe" --no-file --name %NAME% --hold 20 -n 3
"%BIN%\fmread.exe" --wait 20 --name %NAME%
if errorlevel 1 goto failed

echo == 8. follow: the reader prints each block as soon as the writer has written and checked it
rem the reader starts with the writer, attaches to its mapping while it fills
rem it, and ends when the data is complete; 5 million lines go to follow.txt:
rem 38888890 bytes, what "seq 0 4999999" prints
start "" /b "%BIN%\fmwrite.exe" --hold 20 -q -n 5000000 "%DIR%\follow.bin"
"%BIN%\fmread.exe" --follow --wait 20 "%DIR%\follow.bin" > "%DIR%\follow.txt"
if errorlevel 1 goto failed
set "SIZE="
for %%F in ("%DIR%\follow.txt") do set "SIZE=%%~zF"
if not "%SIZE%"=="38888890" goto failed
echo    0 to 4999999, %SIZE% bytes, as a read of the finished file prints them

rmdir /s /q "%DIR%"
echo demo: all steps worked
exit /b 0

:failed
echo demo: step failed (exit code %ERRORLEVEL%)
rmdir /s /q "%DIR%"
exit /b 1

:noprograms
echo demo: fmwrite.exe and fmread.exe are not both in "%BIN%": build first ^(make^), or name their folder 1>&2
exit /b 1
