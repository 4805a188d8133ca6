using System.Runtime.InteropServices;

namespace Baton.Cli.Supervision;

/// <summary>
/// The C helper of Native/spawn.c: linked into the Native AOT executable, or <c>libbatonspawn.so</c> beside
/// Baton.Cli.dll. Absent when the build machine had no C compiler; <see cref="IsAvailable"/> says so, and
/// <see cref="ChildLauncher"/> then falls back to util-linux <c>setpriv</c>.
/// </summary>
internal static partial class NativeSpawn
{
    /// <summary>The library's name: <c>libbatonspawn.so</c> for the runtime's probing, the DirectPInvoke name for Native AOT.</summary>
    private const string Library = "batonspawn";

    /// <summary>The interface version this code was written against (BATON_SPAWN_VERSION in spawn.c).</summary>
    private const int ExpectedVersion = 1;

    private static int _available; // 0 unknown, 1 yes, -1 no

    /// <summary>Whether the helper is there (and of this version). Looked up once; cheap after that.</summary>
    public static bool IsAvailable
    {
        get
        {
            if (_available == 0)
            {
                try
                {
                    _available = Version() == ExpectedVersion ? 1 : -1;
                }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
                {
                    _available = -1;
                }
            }

            return _available > 0;
        }
    }

    /// <summary>
    /// Starts <paramref name="path"/> with <paramref name="argv"/> and baton's environment plus
    /// <paramref name="overrides"/>; see <c>baton_spawn</c> in spawn.c for the guarantees.
    /// </summary>
    /// <param name="path">The executable, as resolved by <see cref="CommandResolver"/>.</param>
    /// <param name="argv">The argument vector (argv[0] as given), ending with null.</param>
    /// <param name="overrides"><c>NAME=value</c> entries that replace or add environment variables, ending with null.</param>
    /// <param name="error">The errno when the result is 0 (the command could not be executed) or -1 (no process).</param>
    /// <returns>The pid; 0 when the command could not be executed; -1 when no process could be created.</returns>
    [LibraryImport(Library, EntryPoint = "baton_spawn", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Spawn(string path, string?[] argv, string?[] overrides, out int error);

    [LibraryImport(Library, EntryPoint = "baton_spawn_version")]
    private static partial int Version();
}
