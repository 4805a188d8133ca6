using System.Globalization;

namespace Baton.Conformance.CrossProcess;

/// <summary>What a holder child acquires: <c>lock</c>, <c>read</c>, <c>write</c>, <c>semaphore:N</c>, <c>elect</c> or <c>join[:CAPS]</c>.</summary>
public readonly record struct HolderMode
{
    private HolderMode(string text) => Text = text;

    /// <summary>An exclusive lock (<see cref="Coordinator.CreateLock"/>).</summary>
    public static HolderMode Lock { get; } = new("lock");

    /// <summary>A read hold of a reader-writer lock.</summary>
    public static HolderMode Read { get; } = new("read");

    /// <summary>A write hold of a reader-writer lock.</summary>
    public static HolderMode Write { get; } = new("write");

    /// <summary>The protocol text of the mode.</summary>
    public string Text { get; }

    /// <summary>A slot of a semaphore of <paramref name="maxCount"/>.</summary>
    public static HolderMode Semaphore(int maxCount) => new(string.Create(CultureInfo.InvariantCulture, $"semaphore:{maxCount}"));

    /// <summary>A campaign in the election of the name (<see cref="Coordinator.CreateElection"/>); the token is the term.</summary>
    public static HolderMode Elect { get; } = new("elect");

    /// <summary>Joining the group of the name with the holder's member id and these capabilities (JSON, or null).</summary>
    public static HolderMode Join(string? capabilities = null) =>
        new(capabilities is null ? "join" : "join:" + HolderProcess.EncodeName(capabilities));

    /// <inheritdoc/>
    public override string ToString() => Text ?? "lock";
}

/// <summary>One line the holder printed, split into keyword, tag and the rest.</summary>
/// <param name="Keyword">The first token, such as <c>ACQUIRED</c>.</param>
/// <param name="Tag">The second token (empty when the line has none).</param>
/// <param name="Rest">Everything after the tag (an error message, JSON, tokens), or empty.</param>
/// <param name="Line">The whole line.</param>
/// <param name="Index">The line's position in the holder's output, from 0.</param>
public sealed record HolderReply(string Keyword, string Tag, string Rest, string Line, int Index)
{
    /// <summary>The tokens after the tag.</summary>
    public IReadOnlyList<string> Arguments => Rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Splits a line.</summary>
    public static HolderReply Parse(string line, int index)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Split(' ', 3);
        return new HolderReply(parts[0], parts.Length > 1 ? parts[1] : string.Empty, parts.Length > 2 ? parts[2] : string.Empty, line, index);
    }

    /// <inheritdoc/>
    public override string ToString() => Line;
}

/// <summary>The takeover notice a holder child's acquisition reported.</summary>
/// <param name="PreviousFencingToken">The previous holder's fencing token.</param>
/// <param name="Reason">How the previous hold ended.</param>
/// <param name="PreviousProcessId">The previous holder's process id.</param>
public sealed record HolderTakeover(long PreviousFencingToken, TakeoverReason Reason, int PreviousProcessId);

/// <summary>A hold of a holder child, addressed by its tag.</summary>
public sealed class HolderGrant
{
    internal HolderGrant(HolderProcess holder, string tag, string name, HolderMode mode, long fencingToken, HolderTakeover? takeover)
    {
        Holder = holder;
        Tag = tag;
        Name = name;
        Mode = mode;
        FencingToken = fencingToken;
        Takeover = takeover;
    }

    /// <summary>The child that holds it.</summary>
    public HolderProcess Holder { get; }

    /// <summary>The protocol tag of the hold.</summary>
    public string Tag { get; }

    /// <summary>The lock name.</summary>
    public string Name { get; }

    /// <summary>How it was acquired.</summary>
    public HolderMode Mode { get; }

    /// <summary>The fencing token (updated by an upgrade).</summary>
    public long FencingToken { get; private set; }

    /// <summary>The takeover notice of the acquisition, or null.</summary>
    public HolderTakeover? Takeover { get; }

    /// <summary>Releases the hold in the child and waits for <c>RELEASED</c>.</summary>
    public Task ReleaseAsync() => Holder.ReleaseAsync(Tag);

    /// <summary>Upgrades a read hold within the timeout; false when it timed out (still held shared).</summary>
    public async Task<bool> TryUpgradeAsync(TimeSpan timeout)
    {
        var token = await Holder.TryUpgradeAsync(Tag, timeout).ConfigureAwait(false);
        if (token is { } value)
        {
            FencingToken = value;
        }

        return token is not null;
    }

    /// <summary>Downgrades a write hold to a read hold.</summary>
    public async Task DowngradeAsync() => FencingToken = await Holder.DowngradeAsync(Tag).ConfigureAwait(false);

    /// <summary>Asks the child whether the hold's lost token has fired; null while held.</summary>
    public Task<LossReason?> GetLossAsync() => Holder.GetLossAsync(Tag);

    /// <summary>Waits for the child to report that the hold was lost.</summary>
    public Task<LossReason> WaitForLostAsync(TimeSpan? timeout = null) => Holder.WaitForLostAsync(Tag, timeout);

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Tag} {Mode} '{Name}' token {FencingToken} in pid {Holder.Pid}");
}

/// <summary>An acquisition a holder child has started and may still be waiting for.</summary>
public sealed class HolderAcquisition
{
    private readonly int _sentAt;
    private readonly TimeSpan _timeout;

    internal HolderAcquisition(HolderProcess holder, string tag, string name, HolderMode mode, TimeSpan timeout, int sentAt)
    {
        Holder = holder;
        Tag = tag;
        Name = name;
        Mode = mode;
        _timeout = timeout;
        _sentAt = sentAt;
    }

    /// <summary>The child.</summary>
    public HolderProcess Holder { get; }

    /// <summary>The protocol tag.</summary>
    public string Tag { get; }

    /// <summary>The lock name.</summary>
    public string Name { get; }

    /// <summary>The mode asked for.</summary>
    public HolderMode Mode { get; }

    /// <summary>True once the child has answered (granted, timed out, cancelled or failed).</summary>
    public bool HasCompleted => Holder.FindReply(_sentAt, IsResult) is not null;

    /// <summary>
    /// Waits for the child's answer: the grant, or null when the acquisition timed out. Throws
    /// <see cref="OperationCanceledException"/> when it was cancelled and <see cref="HolderProcessException"/>
    /// on an error or when no answer comes within the wait (default: the acquisition's own timeout plus
    /// the holder's reply timeout).
    /// </summary>
    public async Task<HolderGrant?> WaitAsync(TimeSpan? wait = null)
    {
        var limit = wait ?? (_timeout == Timeout.InfiniteTimeSpan ? Holder.ReplyTimeout : _timeout + Holder.ReplyTimeout);
        var reply = await Holder.WaitForReplyAsync(IsResult, _sentAt, limit, $"the answer to acquire {Tag} ({Mode} '{Name}')").ConfigureAwait(false);
        switch (reply.Keyword)
        {
            case "ACQUIRED":
                var args = reply.Arguments;
                HolderTakeover? takeover = null;
                if (args.Count > 1 && args[1].StartsWith("takeover:", StringComparison.Ordinal))
                {
                    var fields = args[1].Split(':');
                    takeover = new HolderTakeover(
                        long.Parse(fields[1], CultureInfo.InvariantCulture),
                        Enum.Parse<TakeoverReason>(fields[2]),
                        int.Parse(fields[3], CultureInfo.InvariantCulture));
                }

                return new HolderGrant(Holder, Tag, Name, Mode, long.Parse(args[0], CultureInfo.InvariantCulture), takeover);
            case "TIMEOUT":
                return null;
            case "CANCELED":
                throw new OperationCanceledException($"The holder's acquisition {Tag} of '{Name}' was cancelled.");
            default:
                throw Holder.Failure($"acquire {Tag} ({Mode} '{Name}') failed: {reply.Line}");
        }
    }

    /// <summary>Asks the child to stop waiting; <see cref="WaitAsync"/> then throws <see cref="OperationCanceledException"/> (or returns the grant, had it just arrived).</summary>
    public Task CancelAsync() => Holder.SendAsync($"cancel {Tag}");

    private bool IsResult(HolderReply reply) =>
        reply.Tag == Tag && reply.Keyword is "ACQUIRED" or "TIMEOUT" or "CANCELED" or "ERROR";
}

/// <summary>The holder child failed, answered with an error, exited, or did not answer in time. The message carries its output and stderr.</summary>
public sealed class HolderProcessException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HolderProcessException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public HolderProcessException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public HolderProcessException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a message and the child's exit code.</summary>
    public HolderProcessException(string message, int? exitCode)
        : base(message) => ExitCode = exitCode;

    /// <summary>The child's exit code when it had exited, else null.</summary>
    public int? ExitCode { get; }
}
