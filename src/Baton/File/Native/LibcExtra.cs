namespace Baton.Files.Native;

/// <summary>Constants beside <see cref="Libc"/>, kept apart so that file can change without conflicts.</summary>
internal static class LibcExtra
{
    /// <summary>No such device or address: what opening a socket (or a FIFO without a reader, write-only) answers.</summary>
    public const int ENXIO = 6;
}
