// The command runs on Linux only (setpriv, the file backend's OFD locks); so do its tests (/proc, script(1)).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
