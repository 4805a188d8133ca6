using System.Globalization;

namespace Baton.Reliability.History;

/// <summary>What a line of the shared history says.</summary>
public enum RecordKind
{
    /// <summary>A holder entered its critical section (after acquiring).</summary>
    Begin,

    /// <summary>A holder left its critical section (before releasing); <see cref="Record.Detail"/> is <c>ok</c> or <c>lost</c>.</summary>
    End,

    /// <summary>The counter write of a section; <see cref="Record.Detail"/> is <c>accepted</c>, <c>rejected</c> (an older token) or <c>stale</c> (accepted with an older token: fencing off).</summary>
    Write,

    /// <summary>An acquisition that timed out.</summary>
    Timeout,

    /// <summary>An acquisition that failed (backend down); <see cref="Record.Detail"/> is the exception type.</summary>
    Error,

    /// <summary>The driver is about to send SIGKILL to <see cref="Record.Pid"/>.</summary>
    Kill,

    /// <summary>The driver is about to send SIGSTOP to <see cref="Record.Pid"/>.</summary>
    Stop,

    /// <summary>The driver is about to send SIGCONT to <see cref="Record.Pid"/>.</summary>
    Continue,

    /// <summary>
    /// The driver is about to restart the server (<see cref="Record.Pid"/> is the holder at that moment, or 0); with the
    /// detail <c>leader</c>, to kill the leader of a cluster and start that member again.
    /// </summary>
    Restart,
}

/// <summary>
/// One line of the history: <c>KIND PID ITERATION TOKEN NANOSECONDS [DETAIL]</c>. Times are CLOCK_MONOTONIC, which
/// every process of one machine shares; the token is -1 where there is none (no lock, the naive lock, driver records).
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="Pid">The process (or, in one process, the task) it happened to.</param>
/// <param name="Iteration">The worker's iteration, or -1.</param>
/// <param name="Token">The fencing token, or -1.</param>
/// <param name="Nanoseconds">CLOCK_MONOTONIC when it happened.</param>
/// <param name="Detail">A word of detail, or empty.</param>
public sealed record Record(RecordKind Kind, int Pid, int Iteration, long Token, long Nanoseconds, string Detail = "")
{
    /// <summary>The token of records without one.</summary>
    public const long NoToken = -1;

    /// <summary>The line, without its newline.</summary>
    public string Format() =>
        string.Create(CultureInfo.InvariantCulture, $"{Kind.ToString().ToUpperInvariant()} {Pid} {Iteration} {Token} {Nanoseconds}{(Detail.Length == 0 ? string.Empty : " " + Detail)}");

    /// <summary>Parses a line written by <see cref="Format"/>; null for a line that is not one (a torn last line).</summary>
    public static Record? TryParse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Split(' ', 6);
        if (parts.Length < 5
            || !Enum.TryParse<RecordKind>(parts[0], ignoreCase: true, out var kind)
            || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid)
            || !int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var iteration)
            || !long.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var token)
            || !long.TryParse(parts[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out var nanoseconds))
        {
            return null;
        }

        return new Record(kind, pid, iteration, token, nanoseconds, parts.Length > 5 ? parts[5] : string.Empty);
    }
}
