; Inno Setup 6 script: a per-machine installer for the frozen agent workstation.
;
; Built by `python packaging\build.py` on Windows (which passes AppVersion and SourceDir), or by hand:
;   ISCC.exe /DAppVersion=0.1.0 /DSourceDir=dist\workstation /Odist packaging\windows\workstation.iss
;
; Silent installation for software distribution (SCCM, Intune, GPO scripts), as an administrator:
;   workstation-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /SP- /LOG="C:\Temp\ws-install.log"
; Optional:  /DIR="D:\Apps\Workstation"            another installation directory
;            /CONFIG="\\server\share\config.toml"   copy this machine-wide configuration to
;                                                   %ProgramData%\workstation\config.toml
;            /TASKS="desktopicon"                   also put a shortcut on the public desktop
; Silent removal:
;   "C:\Program Files\Agent workstation\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
; Exit code 0 means success (see Inno Setup's "Setup Exit Codes" for the others).
; Removal keeps %ProgramData%\workstation\config.toml and every user's settings, logs and cache.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\workstation"
#endif

[Setup]
; A fixed AppId: upgrades replace the installed version instead of installing beside it.
AppId={{6B0E7C1A-3F4D-4E8B-9C2A-5D7E1F0A9B34}
AppName=Agent workstation
AppVersion={#AppVersion}
AppPublisher=Agent workstation project
DefaultDirName={autopf}\Agent workstation
DefaultGroupName=Agent workstation
DisableProgramGroupPage=yes
; Per machine: every agent who signs in to this desktop gets it.
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputBaseFilename=workstation-{#AppVersion}-setup
SetupIconFile=..\..\build\icons\workstation.ico
UninstallDisplayIcon={app}\workstation.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; A running workstation holds its files open: ask to close it (silently: close it).
CloseApplications=force
RestartApplications=no

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\..\dist\config.toml.example"; DestDir: "{commonappdata}\workstation"; Flags: ignoreversion
Source: "{param:CONFIG}"; DestDir: "{commonappdata}\workstation"; DestName: "config.toml"; \
  Flags: external ignoreversion; Check: HasConfigParam

[Dirs]
Name: "{commonappdata}\workstation"; Permissions: users-readexec

[Icons]
Name: "{autoprograms}\Agent workstation"; Filename: "{app}\workstation.exe"
Name: "{autodesktop}\Agent workstation"; Filename: "{app}\workstation.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\workstation.exe"; Description: "{cm:LaunchProgram,Agent workstation}"; \
  Flags: nowait postinstall skipifsilent

[Code]
function HasConfigParam(): Boolean;
begin
  Result := ExpandConstant('{param:CONFIG}') <> '';
end;
