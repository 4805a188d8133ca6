using System.Runtime.InteropServices;
using Baton.Files.Native;
using Baton.Files.Presence;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files.Records;

/// <summary>
/// Reads the records inside lock files: the takeover notice of a new holder (dead holders' records, claimed
/// so that exactly one holder reports each), and listings (live records only). A lock file is read with one
/// <c>pread</c>; liveness is asked of the kernel with <c>F_OFD_GETLK</c>, never by taking a lock a holder needs.
/// </summary>
internal static class InFileScanner
{
    /// <summary>The suffixes of lock files that may hold records (the default layout's locks and semaphores).</summary>
    private static readonly string[] Suffixes = [".lock", ".sem", ".group"];

    /// <summary>
    /// Called by a new holder once its lock is held and the file re-checked, when the file was not empty:
    /// claims the records that dead holders left (the holder region, or slots whose liveness byte is free)
    /// and returns the takeover notice for the latest of them; null when every earlier hold ended cleanly.
    /// Nothing here waits: a dead owner's locks are already gone, and a live one's record is skipped.
    /// </summary>
    /// <param name="fd">The new holder's open lock file.</param>
    /// <param name="size">The file's size when the hold was confirmed.</param>
    /// <param name="holdsMainExclusively">True for an exclusive lock: nobody else can be claiming the holder region.</param>
    /// <param name="ownSlot">The new holder's own slot (its waiting record), or null.</param>
    /// <param name="now">When the takeover was noticed.</param>
    public static TakeoverNotice? ClaimDead(SafeFileHandle fd, long size, bool holdsMainExclusively, int? ownSlot, DateTimeOffset now)
    {
        RecordData? latest = null;
        using (var image = InFileImage.Read(fd, size))
        {
            // The region's owner held the main lock exclusively; this holder holds it too (or shared), so that owner is gone.
            if (RecordCodec.PeekState(image.Place(RecordLayout.Region)) is RecordState.Holding or RecordState.Abandoned)
            {
                var claimed = holdsMainExclusively ? Decode(fd, RecordLayout.Region) : ClaimRegionShared(fd);
                if (claimed is not null)
                {
                    InFileRecord.Clear(fd, RecordLayout.Region);
                    latest = Later(latest, claimed);
                }
            }

            for (var slot = 0; slot < image.Places - 1; slot++)
            {
                if (slot == ownSlot || RecordCodec.PeekState(image.Place(slot)) is not (RecordState.Holding or RecordState.Abandoned))
                {
                    continue;
                }

                // Taking the liveness byte proves the owner dead, and keeps other claimers off while this one clears it.
                if (!FileLocks.TryLock(fd, RecordLayout.Liveness(slot), 1, Libc.F_WRLCK))
                {
                    continue;
                }

                try
                {
                    if (Decode(fd, slot) is { State: RecordState.Holding or RecordState.Abandoned } dead)
                    {
                        InFileRecord.Clear(fd, slot);
                        latest = Later(latest, dead);
                    }
                }
                finally
                {
                    FileLocks.Unlock(fd, RecordLayout.Liveness(slot), 1);
                }
            }
        }

        return latest?.ToTakeoverNotice(now);
    }

    /// <summary>
    /// Whether the file holds a holder's record (holding or abandoned) in any place but <paramref name="ownSlot"/>.
    /// Called by the last user of a file, under its whole-file lock, before it deletes the file: every such record
    /// then belongs to a dead holder and is the takeover notice of the name's next holder, so the file must stay.
    /// </summary>
    /// <param name="fd">The open lock file, locked whole.</param>
    /// <param name="ownSlot">The caller's own record's place, or null when it has none in the file.</param>
    /// <param name="knownSize">The file's size when the caller has just read it; null to find it out.</param>
    public static bool HasHolderRecord(SafeFileHandle fd, int? ownSlot, long? knownSize)
    {
        using var image = knownSize is { } size
            ? InFileImage.Read(fd, size)
            : InFileImage.ReadWhole(fd, RecordLayout.Offset((ownSlot ?? RecordLayout.Region) + 1));
        for (var slot = RecordLayout.Region; slot < image.Places - 1; slot++)
        {
            if (slot != ownSlot && RecordCodec.PeekState(image.Place(slot)) is RecordState.Holding or RecordState.Abandoned)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds the live records of every lock file in the directory.</summary>
    public static void Collect(FileLockDirectory directory, List<RecordData> records)
    {
        List<string> names;
        try
        {
            names = [.. Directory.EnumerateFiles(directory.Path).Select(Path.GetFileName).OfType<string>()
                .Where(static n => !n.StartsWith('.') && Suffixes.Any(s => n.EndsWith(s, StringComparison.Ordinal)))];
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }

        foreach (var name in names)
        {
            using var fd = OpenForListing(directory, name);
            if (fd is not null)
            {
                CollectFile(fd, records);
            }
        }
    }

    /// <summary>Adds the live records of one lock file, when it exists.</summary>
    public static void CollectOne(FileLockDirectory directory, string fileName, List<RecordData> records)
    {
        using var fd = OpenForListing(directory, fileName);
        if (fd is not null)
        {
            CollectFile(fd, records);
        }
    }

    private static void CollectFile(SafeFileHandle fd, List<RecordData> records)
    {
        if (Libc.Statx(fd, string.Empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, out var stat) != 0
            || (stat.Mode & Libc.S_IFMT) != Libc.S_IFREG || stat.Size == 0)
        {
            return;
        }

        using var image = InFileImage.Read(fd, stat.Size);
        for (var slot = RecordLayout.Region; slot < image.Places - 1; slot++)
        {
            if (RecordCodec.PeekState(image.Place(slot)) is not (RecordState.Holding or RecordState.Waiting))
            {
                continue;
            }

            // The region is alive while someone holds the main byte exclusively; a slot while its liveness byte is held.
            var alive = slot == RecordLayout.Region
                ? FileLocks.FindConflict(fd, 0, 1, Libc.F_RDLCK) is not null
                : FileLocks.FindConflict(fd, RecordLayout.Liveness(slot), 1, Libc.F_WRLCK) is not null;
            if (alive && Decode(fd, slot) is { State: RecordState.Holding or RecordState.Waiting } data)
            {
                records.Add(data);
            }
        }
    }

    /// <summary>A reader claims a dead region under the claim byte: several readers may find it at once.</summary>
    private static RecordData? ClaimRegionShared(SafeFileHandle fd)
    {
        if (!FileLocks.TryLock(fd, RecordLayout.RegionClaim, 1, Libc.F_WRLCK))
        {
            return null; // Another reader is claiming it.
        }

        try
        {
            return Decode(fd, RecordLayout.Region) is { State: RecordState.Holding or RecordState.Abandoned } dead ? dead : null;
        }
        finally
        {
            FileLocks.Unlock(fd, RecordLayout.RegionClaim, 1);
        }
    }

    /// <summary>Reads and decodes one place; a read torn by a concurrent rewrite is retried.</summary>
    private static RecordData? Decode(SafeFileHandle fd, int slot)
    {
        Span<byte> place = stackalloc byte[RecordLayout.PlaceSize];
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var read = InFileImage.ReadAt(fd, place, RecordLayout.Offset(slot));
            if (RecordCodec.PeekState(place[..read]) is null)
            {
                return null; // Cleared meanwhile.
            }

            if (RecordCodec.Decode(place[..read]) is { } data)
            {
                return data;
            }
        }

        return null;
    }

    private static RecordData Later(RecordData? latest, RecordData candidate) =>
        latest is null || candidate.Token > latest.Token ? candidate : latest;

    private static SafeFileHandle? OpenForListing(FileLockDirectory directory, string name)
    {
        // Read-only and non-blocking: a listing never needs to write, and must not stall on a planted FIFO.
        var fd = Libc.OpenAt(directory.Handle, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC | Libc.O_NONBLOCK, 0);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is Libc.ENOENT or Libc.ELOOP or Libc.EACCES or Libc.EISDIR ? null : throw Libc.Error($"Cannot open the lock file '{name}' to list it", errno);
    }
}
