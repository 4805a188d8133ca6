namespace Baton.Files.Records;

/// <summary>
/// Where the records of the default layout live inside a lock file. The file's content (not its lock
/// ranges, which are a separate space) holds fixed 4 KiB places:
/// <list type="table">
/// <item><term>[0, 4 KiB) the holder region</term><description>the record of an exclusive holder that got the lock at once. Its
/// liveness is the exclusive main lock itself, so writing it needs no lock of its own.</description></item>
/// <item><term>[4 KiB × (k + 1), +4 KiB) slot k</term><description>the record of a waiter, a shared holder, a semaphore holder, or an
/// exclusive holder that came through the queue. Its owner holds the byte lock <see cref="Liveness"/>(k) while alive, so a
/// slot whose liveness byte is free is dead.</description></item>
/// </list>
/// A record carries a state byte: a clean end clears it (or the file is deleted); a non-empty holder record
/// whose owner is dead is exactly the takeover notice.
/// </summary>
internal static class RecordLayout
{
    /// <summary>The size of the holder region and of each slot (a record is at most about 2.4 KB).</summary>
    public const int PlaceSize = 4096;

    /// <summary>The most slots a lock file may have: waiters, shared holders and semaphore holders of one name at once.</summary>
    public const int MaxSlots = 4096;

    /// <summary>Byte lock taken by a shared holder while it claims a dead holder region (readers may claim concurrently).</summary>
    public const long RegionClaim = 4;

    /// <summary>Where the liveness byte locks start: far above every other range of a name.</summary>
    public const long LivenessBase = 1L << 40;

    /// <summary>The holder region's place (offset 0), as a slot number.</summary>
    public const int Region = -1;

    /// <summary>The content offset of slot <paramref name="slot"/> (<see cref="Region"/> → 0).</summary>
    public static long Offset(int slot) => (long)(slot + 1) * PlaceSize;

    /// <summary>The liveness byte of slot <paramref name="slot"/>.</summary>
    public static long Liveness(int slot) => LivenessBase + slot;

    /// <summary>How many places (region and slots) a file of this size holds.</summary>
    public static int Places(long size) => (int)Math.Min((size + PlaceSize - 1) / PlaceSize, MaxSlots + 1);
}
