// The command and the file backend run on Linux only; so do these tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
