using System.Text;

namespace Baton.Files;

/// <summary>
/// One name as the file backend lays it out, prepared once per primitive: which file, and where its
/// byte ranges start. Within a name's region (all offsets relative to <see cref="Base"/>):
/// <list type="table">
/// <item><term>0 main</term><description>the lock itself: shared or exclusive (flock(2) on the whole file with <c>api=flock</c>).</description></item>
/// <item><term>1 gate</term><description>the turnstile: a waiter holds it exclusively while it waits for the main byte or a slot, so
/// later arrivals queue behind it in the kernel (first come, first served) and new readers cannot pass a waiting writer.</description></item>
/// <item><term>2 upgrade</term><description>held by a reader while it upgrades; a second upgrader finds it taken (a deadlock).</description></item>
/// <item><term>3 waiting</term><description>held shared by every waiter, so a releaser knows someone still needs the file.</description></item>
/// <item><term>16 + i</term><description>semaphore slot i.</description></item>
/// <item><term>2^21 + N</term><description>held shared by every holder and waiter of a semaphore of N, so counts that disagree are found.</description></item>
/// </list>
/// </summary>
internal sealed class FileLockTarget(LockKind kind, string name, string fileName, long @base, string recordPrefix, bool useFlock)
{
    public const long MainOffset = 0;
    public const long GateOffset = 1;
    public const long UpgradeOffset = 2;
    public const long WaitingOffset = 3;
    public const long SlotOffset = 16;
    public const long CountOffset = 1L << 21;

    /// <summary>The one file of <c>mode=table</c>; it starts with a dot, which escaped names never do.</summary>
    public const string TableFileName = ".table";

    /// <summary>The size of a name's region in <c>mode=table</c>: room for a million slots and the count bytes.</summary>
    public const int TableStrideBits = 24;

    public LockKind Kind { get; } = kind;

    public string Name { get; } = name;

    /// <summary>The lock file, relative to the lock directory.</summary>
    public string FileName { get; } = fileName;

    /// <summary><see cref="FileName"/> as NUL-terminated UTF-8, encoded once: the hot path passes it to openat, statx and unlinkat as is.</summary>
    public byte[] FileNameZ { get; } = Encoding.UTF8.GetBytes(fileName + "\0");

    /// <summary>The name as UTF-8, encoded once, for the records inside lock files.</summary>
    public byte[] NameUtf8 { get; } = Encoding.UTF8.GetBytes(name);

    /// <summary>Where this name's region starts in the file (0 unless <c>mode=table</c>).</summary>
    public long Base { get; } = @base;

    /// <summary>What this name's presence record file names start with: the escaped name and the kind.</summary>
    public string RecordPrefix { get; } = recordPrefix;

    /// <summary>Where this name's bytes start in the guard file (<see cref="Guard.NameGuard"/>), computed on first use.</summary>
    public long GuardBase => _guardBase ??= Guard.NameGuard.BaseOf(Kind, Name);

    private long? _guardBase;

    /// <summary>The main byte is a flock(2) lock (only for locks with <c>api=flock</c>).</summary>
    public bool UsesFlock { get; } = useFlock;

    public long Main => Base + MainOffset;

    public long Gate => Base + GateOffset;

    public long Upgrade => Base + UpgradeOffset;

    public long Waiting => Base + WaitingOffset;

    public long Slot(int index) => Base + SlotOffset + index;

    public long Count(int maxCount) => Base + CountOffset + maxCount;

    public long CountRangeStart => Base + CountOffset + 1;

    /// <summary>The kind letter of record file names.</summary>
    public static char KindLetter(LockKind kind) => kind switch { LockKind.Lock => 'l', LockKind.Semaphore => 's', _ => 'g' };

    /// <summary>The file name suffix of a kind's lock files (locks: also the oslo layout's names, see <see cref="Create"/>).</summary>
    public static string Suffix(LockKind kind) => kind switch { LockKind.Lock => ".lock", LockKind.Semaphore => ".sem", _ => ".group" };

    public static FileLockTarget Create(FileBackendOptions options, LockKind kind, string name)
    {
        const int TableSize = 1 << 16;
        var escaped = FileNames.Escape(name);
        var recordPrefix = $"{escaped}.{KindLetter(kind)}.";
        return options.Layout switch
        {
            FileLayout.Table => new FileLockTarget(
                kind, name, TableFileName, (long)FileNames.TableEntry(kind, name, TableSize) << TableStrideBits, recordPrefix, useFlock: false),
            FileLayout.Oslo => new FileLockTarget(
                kind,
                name,
                kind == LockKind.Lock ? FileNames.Oslo(options.Prefix, name) : escaped + Suffix(kind),
                0,
                recordPrefix,
                options.Api == FileLockApi.Flock && kind == LockKind.Lock),
            _ => new FileLockTarget(
                kind, name, escaped + Suffix(kind), 0, recordPrefix, options.Api == FileLockApi.Flock && kind == LockKind.Lock),
        };
    }
}
