using Baton.Postgres.Holds;
using Baton.Postgres.Sessions;
using Npgsql;

namespace Baton.Postgres;

/// <summary>
/// Breaking (DESIGN rule 13). Only the session that holds an advisory lock, or its end, releases it, and a session
/// carries many holds of its coordinator, so a break asks first: it marks the holds broken, their coordinators let
/// just those holds go at their next check, and only the sessions that still hold one after a grace period (their
/// process is stopped or stuck) are terminated, with every hold on them. See docs/backends/postgres.md, "Breaking".
/// </summary>
internal sealed partial class PostgresBackend
{
    /// <summary>Never shorter than this: a holder's check may come late on a loaded machine.</summary>
    private static readonly TimeSpan MinimumBreakGrace = TimeSpan.FromSeconds(1);

    /// <summary>How long a break waits for the holders' coordinators before it terminates their sessions: two checks and a second.</summary>
    internal TimeSpan BreakGrace =>
        TimeSpan.FromTicks(Math.Clamp(2 * _options.CheckInterval.Ticks + TimeSpan.TicksPerSecond, MinimumBreakGrace.Ticks, TimeSpan.FromSeconds(30).Ticks));

    public override async ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var marking = await TakeAnySessionAsync(cancellationToken).ConfigureAwait(false);
        var marked = await RunAsync(marking, (c, ct) => Statements.BreakMarkAsync(c, kind, name, ct), cancellationToken).ConfigureAwait(false);
        if (marked.Count == 0)
        {
            return [];
        }

        // This coordinator's own holds go at once; the others at their coordinators' next check.
        await LetBrokenHoldsGoAsync([.. marked.Select(m => (m.Pid, m.Key, m.Token))]).ConfigureAwait(false);

        // The wait may last the whole grace period: on a session that holds nothing, so no release queues behind it.
        var waiting = await TakeWaitingSessionAsync(0, cancellationToken).ConfigureAwait(false);
        try
        {
            var stuck = await RunAsync(waiting, (c, ct) => Statements.BreakWaitAsync(c, marked, BreakGrace, ct), cancellationToken, waits: true).ConfigureAwait(false);
            if (stuck.Length > 0)
            {
                await RunAsync(waiting, (c, ct) => Statements.BreakEndAsync(c, stuck, marked, ct), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new InvalidOperationException(
                $"'{name}' is held by a session that did not let it go within {BreakGrace.TotalSeconds:0.#} s (its process may be stopped), and " +
                $"this PostgreSQL user may not end that session ({e.MessageText}). Grant it pg_signal_backend, or break as the holder's role or a superuser.",
                e);
        }
        finally
        {
            ReturnSession(waiting, 0);
        }

        return [.. marked.Select(m => new LockHolder(MemberCodec.Decode(m.Member, m.Pid), ModeOf(m.Mode), m.Token, m.Since))];
    }

    /// <summary>Finds the holds of this coordinator that were broken (on any of its sessions) and lets them go.</summary>
    private async Task LetBrokenHoldsGoAsync()
    {
        int[] pids;
        PgSession? via = null;
        lock (_gate)
        {
            pids = [.. _sessions.Where(s => !s.IsBroken && s.Grants.Count > 0).Select(s => s.BackendPid)];
            foreach (var session in _sessions)
            {
                // Not a session that may be in a blocking wait: the look-up would queue behind it.
                if (!session.IsBroken && (!session.Reserved || session.IsIdle))
                {
                    via = session;
                    break;
                }
            }
        }

        if (pids.Length == 0 || via is null || IsDisposed)
        {
            return;
        }

        List<(int Pid, int Key, long Token)> requests;
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            requests = await RunAsync(via, (c, ct) => Statements.BreakRequestsAsync(c, pids, ct), deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            // A broken session is reported lost by RunAsync; the next check looks again.
            return;
        }

        await LetBrokenHoldsGoAsync(requests).ConfigureAwait(false);
    }

    /// <summary>Lets go the holds among <paramref name="broken"/> that are this coordinator's.</summary>
    private async Task LetBrokenHoldsGoAsync(IReadOnlyList<(int Pid, int Key, long Token)> broken)
    {
        foreach (var (pid, key, token) in broken)
        {
            PgGrant? grant = null;
            lock (_gate)
            {
                foreach (var session in _sessions)
                {
                    if (session.BackendPid == pid)
                    {
                        grant = session.Grants.FirstOrDefault(g => g.Key == key && g.FencingToken == token);
                        break;
                    }
                }
            }

            if (grant is not null)
            {
                await LetGoAsync(grant).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Ends one broken hold: its lost token fires, and its lock is unlocked with its row kept as a broken leftover.</summary>
    private async Task LetGoAsync(PgGrant grant)
    {
        if (!grant.TryEnd())
        {
            // Its release is under way and ends it cleanly.
            return;
        }

        var session = grant.Session;
        await grant.StopUpgradeAsync(PgGrant.BrokenWhileUpgrading(grant.Name)).ConfigureAwait(false);
        lock (_gate)
        {
            session.Grants.Remove(grant);
        }

        grant.Lose(LossReason.Broken);
        try
        {
            await RunAsync(session, async (c, ct) =>
            {
                // The row moves aside: the session has none for the key any more.
                session.Commands.RowKeys.Remove(grant.Key);
                await Statements.ReleaseBrokenAsync(c, grant.Key, grant.Mode == LockMode.Shared, grant.FencingToken, ct).ConfigureAwait(false);
                return true;
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            // The session failed and was dropped with its locks; the break ends it anyway.
        }
        finally
        {
            ReturnSession(grant.Session, grant.NameKey);
        }
    }

    /// <summary>
    /// The holds of a session the server ended on an administrator's command: a break's own holds lose with
    /// <see cref="LossReason.Broken"/>, the rest (and all of them when the server cannot say) with
    /// <see cref="LossReason.ConnectionLost"/>.
    /// </summary>
    private async Task LoseTerminatedAsync(PgGrant[] lost)
    {
        HashSet<long> broken = [];
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var session = await TakeAnySessionAsync(deadline.Token).ConfigureAwait(false);
            long[] tokens = [.. lost.Select(g => g.FencingToken)];
            broken = await RunAsync(session, (c, ct) => Statements.BrokenTokensAsync(c, tokens, ct), deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            // The server is gone too (a shutdown): the connection was lost.
        }

        foreach (var grant in lost)
        {
            grant.Lose(IsDisposed ? LossReason.CoordinatorDisposed : broken.Contains(grant.FencingToken) ? LossReason.Broken : LossReason.ConnectionLost);
        }
    }

    private static LockMode ModeOf(char mode) => mode switch
    {
        's' => LockMode.Shared,
        'm' => LockMode.Semaphore,
        _ => LockMode.Exclusive,
    };
}
