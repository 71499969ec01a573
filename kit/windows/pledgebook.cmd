@echo off
rem Pledgebook's command line, for scripts and scheduled tasks:
rem   pledgebook.cmd import --inbox D:\inbox
rem The exit code is the program's: 0 done, 1 rows refused, 2 input not usable.
setlocal
set "PYTHONUTF8=1"
set "PYTHONIOENCODING=utf-8"
"%~dp0python\python.exe" -m pledgebook %*
exit /b %ERRORLEVEL%
