using System.Diagnostics;
using Baton.Cli.Shared;

namespace Baton.Cli.Supervision;

/// <summary>
/// While <c>baton run</c> or <c>baton elect</c> waits and standard error is a terminal: one line, rewritten in place
/// every <see cref="Refresh"/>, saying who holds the lock or leads (host, pid, process), in which mode or term and for
/// how long, how many others wait, and how long we have waited. Read from <see cref="Coordinator.ListLocksAsync"/>
/// (an election is the lock of its name). Erased when the wait ends, so nothing of it is left in the terminal's
/// scroll-back.
/// </summary>
internal sealed class WaitStatusLine : IAsyncDisposable
{
    /// <summary>How often the line is refreshed.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(400);

    private const string EraseLine = "\r\u001b[K";

    private readonly Coordinator _coordinator;
    private readonly string _name;
    private readonly Style _style;
    private readonly long _startedAt;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private bool _written;

    private WaitStatusLine(Coordinator coordinator, string name, long startedAt, Style style)
    {
        _coordinator = coordinator;
        _name = name;
        _style = style;
        _startedAt = startedAt;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Starts the line when standard error is a terminal; otherwise returns null and writes nothing.</summary>
    /// <param name="coordinator">The session to list from.</param>
    /// <param name="name">The awaited lock.</param>
    /// <param name="startedAt">When waiting began (<see cref="Stopwatch.GetTimestamp"/>).</param>
    /// <param name="style">A lock's holder, or an election's leader.</param>
    public static WaitStatusLine? StartIfTerminal(Coordinator coordinator, string name, long startedAt, Style style = Style.Lock) =>
        Terminal.StatusLines ? new WaitStatusLine(coordinator, name, startedAt, style) : null;

    /// <summary>How the line describes the wait.</summary>
    public enum Style
    {
        /// <summary><c>'x' held exclusive by HOST pid N (PROCESS) for 2m13s; waited 41.2s, 1 other(s) waiting</c>.</summary>
        Lock,

        /// <summary><c>'x' led by HOST pid N (PROCESS) [ID] for 2m13s; waited 41.2s, 1 other candidate(s)</c>.</summary>
        Election,
    }

    /// <summary>Stops refreshing and erases the line.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        if (_written)
        {
            StandardStreams.Error.Write(EraseLine);
            StandardStreams.Error.Flush();
        }
    }

    /// <summary>The text of the line for one listing.</summary>
    /// <param name="name">The awaited lock.</param>
    /// <param name="info">The lock's listing entry, or null when it is not listed (just freed).</param>
    /// <param name="waited">How long we have waited.</param>
    /// <param name="style">A lock's holder, or an election's leader.</param>
    public static string Describe(string name, LockInfo? info, TimeSpan waited, Style style = Style.Lock)
    {
        var waitedText = $"waited {DurationParser.Format(waited)}";
        if (info is null || info.Holders.Count == 0)
        {
            return $"'{Terminal.Printable(name)}' is being handed over; {waitedText}";
        }

        var holder = info.Holders[0];
        var member = holder.Member;
        var more = info.Holders.Count > 1 ? $" and {info.Holders.Count - 1} more reader(s)" : string.Empty;
        var others = info.Waiters.Count - 1;
        var id = member.CustomId is null ? string.Empty : $" [{Terminal.Printable(member.CustomId)}]";
        if (style == Style.Election)
        {
            var candidates = others > 0 ? $", {others} other candidate(s)" : string.Empty;
            return $"'{Terminal.Printable(name)}' led by {Terminal.Printable(member.Host)} pid {member.ProcessId} ({Terminal.Printable(member.ProcessName)}){id} "
                + $"for {DurationParser.Format(info.ObservedAt - holder.Since)}; {waitedText}{candidates}";
        }

        var queue = others > 0 ? $", {others} other(s) waiting" : string.Empty;
        return $"'{Terminal.Printable(name)}' held {holder.Mode.ToString().ToLowerInvariant()} by {Terminal.Printable(member.Host)} pid {member.ProcessId} "
            + $"({Terminal.Printable(member.ProcessName)}){id}{more} for {DurationParser.Format(info.ObservedAt - holder.Since)}; {waitedText}{queue}";
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            string text;
            try
            {
                var locks = await _coordinator.ListLocksAsync(token).ConfigureAwait(false);
                var info = locks.FirstOrDefault(l => l.Kind == LockKind.Lock && string.Equals(l.Name, _name, StringComparison.Ordinal));
                text = Describe(_name, info, Stopwatch.GetElapsedTime(_startedAt), _style);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A status line must never end the wait; whatever the listing throws is shown instead.
            catch (Exception e)
#pragma warning restore CA1031
            {
                text = $"'{Terminal.Printable(_name)}': cannot list its holders ({e.Message}); waited {DurationParser.Format(Stopwatch.GetElapsedTime(_startedAt))}";
            }

            var line = "baton: " + text;
            var width = Terminal.Width - 1;
            if (line.Length > width)
            {
                line = line[..Math.Max(width - 1, 1)] + "…";
            }

            StandardStreams.Error.Write(EraseLine + line);
            StandardStreams.Error.Flush();
            _written = true;
            try
            {
                await Task.Delay(Refresh, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
