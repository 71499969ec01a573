@echo off
rem Pledgebook: opens the ledger (TUI). Double-click this file.
rem ASCII only: cmd.exe reads batch files in the OEM code page (936 on Chinese Windows).
setlocal
set "PB_HOME=%~dp0"
set "PYTHONUTF8=1"
set "PYTHONIOENCODING=utf-8"
rem Windows Terminal draws the borders right; the old console (conhost) does not with a Chinese font.
if defined WT_SESSION goto run
where wt.exe >nul 2>nul
if errorlevel 1 goto run
start "" wt.exe --title Pledgebook -d "%PB_HOME%." "%PB_HOME%python\python.exe" -m pledgebook %*
exit /b 0
:run
"%PB_HOME%python\python.exe" -m pledgebook %*
set "PB_EXIT=%ERRORLEVEL%"
if not "%PB_EXIT%"=="0" pause
exit /b %PB_EXIT%
