using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Baton.Reliability.Workload;

/// <summary>
/// The shared resource of the workload: a counter in a file, with the fencing token of its last write beside it.
/// Each critical section reads it, waits a little and writes it back plus one — a read-modify-write that is not
/// atomic, so two sections that overlap lose an update. Fenced, the resource refuses a read or write whose token is
/// older than the newest it has seen (checked and recorded under the resource's own guard, as a storage server
/// would); unfenced it accepts every write and only reports whether the token was stale.
/// </summary>
public sealed class CounterResource : IDisposable
{
    private const int RecordLength = 42; // "%20d %20d\n"
    // A paused process may hold the guard (SIGSTOP lands anywhere): the others wait for it, bounded by the run's time limit.
    private static readonly TimeSpan GuardPatience = TimeSpan.FromMinutes(10);

    private readonly SafeFileHandle _handle;
    private readonly string _guardPath;
    private readonly bool _fenced;

    private CounterResource(SafeFileHandle handle, string guardPath, bool fenced)
    {
        _handle = handle;
        _guardPath = guardPath;
        _fenced = fenced;
    }

    /// <summary>Opens the counter at <paramref name="path"/>, creating it at 0 when missing.</summary>
    public static CounterResource Open(string path, bool fenced)
    {
        ArgumentNullException.ThrowIfNull(path);
        var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var resource = new CounterResource(handle, path + ".guard", fenced);
        if (RandomAccess.GetLength(handle) < RecordLength)
        {
            resource.Store(0, -1);
        }

        return resource;
    }

    /// <summary>The counter's value now.</summary>
    public long Value => Load().Value;

    /// <summary>Reads the counter, waits <paramref name="hold"/>, and writes it back plus one with <paramref name="token"/>.</summary>
    /// <remarks>
    /// Fenced, the read counts too (as Chubby's sequencers and fenced storage do): it raises the resource's token to the
    /// reader's, so a holder that read before a newer one and writes after it is refused — even when the newer one has
    /// not written yet. Without that, a paused holder that resumes first would slip its stale write in before its
    /// successor's, and the successor would then overwrite it from a stale read.
    /// </remarks>
    /// <returns><c>accepted</c>, <c>rejected</c> (fenced, an older token) or <c>stale</c> (unfenced, accepted with an older token).</returns>
    public async Task<string> IncrementAsync(long token, TimeSpan hold, CancellationToken cancellationToken)
    {
        var fenced = _fenced && token >= 0;
        long value;
        if (fenced)
        {
            using var guard = await GuardAsync(cancellationToken);
            (value, var stored) = Load();
            if (token < stored)
            {
                return "rejected";
            }

            Store(value, token);
        }
        else
        {
            value = Load().Value;
        }

        if (hold > TimeSpan.Zero)
        {
            await Task.Delay(hold, cancellationToken);
        }

        if (!fenced)
        {
            var stale = token >= 0 && token < Load().Token;
            Store(value + 1, token);
            return stale ? "stale" : "accepted";
        }

        using (await GuardAsync(cancellationToken))
        {
            if (token < Load().Token)
            {
                return "rejected";
            }

            Store(value + 1, token);
            return "accepted";
        }
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    private (long Value, long Token) Load()
    {
        var buffer = new byte[RecordLength];
        var read = RandomAccess.Read(_handle, buffer, 0);
        var parts = Encoding.ASCII.GetString(buffer, 0, read).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    // One pwrite(2) of the whole record: a reader never sees half of it.
    private void Store(long value, long token) =>
        RandomAccess.Write(_handle, Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{value,20} {token,20}\n")), 0);

    /// <summary>
    /// The resource's own exclusive guard for the compare-and-write of a fenced write: an exclusive open of the guard
    /// file (a non-blocking flock underneath), tried again every millisecond — the guard is held for microseconds.
    /// </summary>
    private async Task<FileStream> GuardAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + GuardPatience;
        while (true)
        {
            try
            {
                return new FileStream(_guardPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(1, cancellationToken);
            }
        }
    }
}
