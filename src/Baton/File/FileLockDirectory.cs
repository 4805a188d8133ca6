using System.Runtime.InteropServices;
using Baton.Files.Native;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files;

/// <summary>
/// The lock directory, opened once per backend. Every file inside is reached relative to this descriptor
/// (<c>openat</c>, <c>unlinkat</c>, <c>statx</c>), so swapping a path component for a link later changes
/// nothing. The directory must be a real directory (not a link), owned by this user and not writable by
/// everyone; a missing one is created with mode 0700.
/// </summary>
internal sealed class FileLockDirectory : IDisposable
{
    private FileLockDirectory(string path, SafeFileHandle handle)
    {
        Path = path;
        Handle = handle;
    }

    /// <summary>
    /// The default directory: <c>/run/lock/baton-USER</c> where <c>/run/lock</c> exists (a tmpfs, cleared at
    /// boot), otherwise <c>baton-USER</c> in the temporary directory. Every process of a user computes the same.
    /// </summary>
    public static string DefaultPath =>
        System.IO.Path.Combine(Directory.Exists("/run/lock") ? "/run/lock" : System.IO.Path.GetTempPath(), $"baton-{Environment.UserName}");

    public string Path { get; }

    public SafeFileHandle Handle { get; }

    /// <summary>The guard file's locks of this directory's holds (<see cref="Guard.NameGuard"/>), opened on first use.</summary>
    public Guard.NameGuard Guard => Volatile.Read(ref _guard) ?? CreateGuard();

    private readonly Lock _guardGate = new();
    private Guard.NameGuard? _guard;

    public static FileLockDirectory Open(string path)
    {
        if (!System.IO.Path.IsPathFullyQualified(path))
        {
            throw new ArgumentException($"The lock directory '{path}' is not an absolute path; use file:///absolute/path.", nameof(path));
        }

        if (!Directory.Exists(path) && !IsLink(path))
        {
            var parent = System.IO.Path.GetDirectoryName(path);
            if (parent is not null)
            {
                Directory.CreateDirectory(parent);
            }

            // 0700: the directory of one user's locks; the umask can only narrow it.
            if (Libc.MakeDirectory(path, Convert.ToInt32("700", 8)) != 0 && Marshal.GetLastPInvokeError() != Libc.EEXIST)
            {
                throw Libc.Error($"Cannot create the lock directory '{path}'");
            }
        }

        var fd = Libc.OpenAt(new SafeFileHandle(Libc.AT_FDCWD, ownsHandle: false), path, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Libc.ELOOP or 20 /* ENOTDIR */)
            {
                throw new UnauthorizedAccessException(
                    $"The lock directory '{path}' is a symbolic link or not a directory; refusing it, since whoever controls the link controls the locks. Remove it or use another directory.");
            }

            throw Libc.Error($"Cannot open the lock directory '{path}'", errno);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            Check(path, handle);
            return new FileLockDirectory(path, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private Guard.NameGuard CreateGuard()
    {
        lock (_guardGate)
        {
            ObjectDisposedException.ThrowIf(Handle.IsClosed, typeof(Coordinator));
            if (_guard is null)
            {
                Volatile.Write(ref _guard, new Guard.NameGuard(this));
            }

            return _guard!;
        }
    }

    public void Dispose()
    {
        lock (_guardGate)
        {
            _guard?.Dispose();
        }

        Handle.Dispose();
    }

    private static void Check(string path, SafeFileHandle handle)
    {
        if (Libc.Statx(handle, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var stat) != 0)
        {
            throw Libc.Error($"Cannot inspect the lock directory '{path}'");
        }

        var me = Libc.GetEffectiveUserId();
        if (stat.Uid != me)
        {
            throw new UnauthorizedAccessException(
                $"The lock directory '{path}' is owned by uid {stat.Uid}, not by this user (uid {me}); refusing it, since its owner could remove or replace lock files. Use a directory of your own.");
        }

        if ((stat.Mode & Convert.ToInt32("002", 8)) != 0)
        {
            throw new UnauthorizedAccessException(
                $"The lock directory '{path}' is writable by every user (mode {Convert.ToString(stat.Mode & 0xFFF, 8)}); refusing it, since anyone could plant files in it. Use chmod o-w, or another directory.");
        }
    }

    private static bool IsLink(string path)
    {
        try
        {
            return (System.IO.File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
