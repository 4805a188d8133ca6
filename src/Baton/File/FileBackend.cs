using Baton.Backends;
using Baton.Files.Presence;

namespace Baton.Files;

/// <summary>
/// One coordinator's session on a lock directory. Every hold and every wait has its own open file
/// description, so holds of one process exclude each other exactly as holds of two processes do; this
/// object only remembers them, to end them when it is disposed.
/// </summary>
internal sealed class FileBackend : CoordinationBackend
{
    private readonly Lock _gate = new();
    private readonly HashSet<FileGrant> _grants = [];
    private readonly HashSet<FileTicket> _tickets = [];
    private bool _disposed;

    public FileBackend(FileBackendOptions options, FileLockDirectory directory, FencingCounter counter, MemberIdentity member, TimeProvider timeProvider)
    {
        Options = options;
        Directory = directory;
        Counter = counter;
        Member = member;
        TimeProvider = timeProvider;
    }

    public FileBackendOptions Options { get; }

    public FileLockDirectory Directory { get; }

    public FencingCounter Counter { get; }

    public MemberIdentity Member { get; }

    public TimeProvider TimeProvider { get; }

    public override object? PrepareName(LockKind kind, string name) => FileLockTarget.Create(Options, kind, name);

    public override ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var target = request.PreparedName as FileLockTarget ?? FileLockTarget.Create(Options, request.Kind, request.Name);
        var held = LockFile.Acquire(Directory, Options, target, request.Mode, request.MaxCount, waiting: null);
        if (held is not null)
        {
            try
            {
                var record = PresenceRecord.Create(Directory, target, NewRecord(target, request, RecordState.Waiting, Counter.Next()));
                return new(AcquisitionStart.Granted(Grant(target, request, held, record)));
            }
            catch
            {
                LockFile.Release(Directory, Options, target, held);
                throw;
            }
        }

        if (!request.Wait)
        {
            return new(AcquisitionStart.Denied);
        }

        var ticket = new FileTicket(this, target, request);
        lock (_gate)
        {
            ThrowIfDisposed();
            _tickets.Add(ticket);
        }

        ticket.Start();
        return new(AcquisitionStart.Queued(ticket));
    }

    public override ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return new(RecordScanner.List(Directory, TimeProvider.GetUtcNow()));
    }

    public override ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var target = FileLockTarget.Create(Options, kind, name);
        var holders = RecordScanner.LiveHolders(Directory, target, TimeProvider.GetUtcNow());
        if (holders.Count > 0)
        {
            throw new NotSupportedException(
                $"The file backend cannot break '{name}': its holder ({string.Join(", ", holders.Select(static h => h.Member))}) is alive, and the kernel owns its lock until that process closes the file. Stop or kill the holder; the lock is released the moment it exits.");
        }

        // Nobody alive holds it: a crashed holder's lock was already released by the kernel.
        return new(Array.Empty<LockHolder>());
    }

    public override async ValueTask DisposeAsync()
    {
        FileTicket[] tickets;
        FileGrant[] grants;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            tickets = [.. _tickets];
            grants = [.. _grants];
            _tickets.Clear();
            _grants.Clear();
        }

        foreach (var ticket in tickets)
        {
            await ticket.FailAsync(new ObjectDisposedException(nameof(Coordinator), $"The coordinator waiting for '{ticket.Name}' was disposed.")).ConfigureAwait(false);
        }

        var endedAt = TimeProvider.GetUtcNow();
        foreach (var grant in grants)
        {
            await grant.AbandonAsync(endedAt).ConfigureAwait(false);
        }
    }

    /// <summary>Makes the grant of a hold whose kernel lock is taken: claims dead holders' records, draws the token, records the hold.</summary>
    public FileGrant Grant(FileLockTarget target, in AcquisitionRequest request, HeldFile held, PresenceRecord record)
    {
        var now = TimeProvider.GetUtcNow();
        var takeover = held.Created && !Options.KeepsFiles
            ? null
            : RecordScanner.ClaimDeadHolders(Directory, target, record.FileName, request.Mode == LockMode.Exclusive, now);
        var token = Counter.Next();
        record.Update(record.Data with { State = RecordState.Holding, Token = token, SinceTicks = now.UtcTicks, Mode = request.Mode });
        var grant = new FileGrant(this, target, held, record, request.Mode, token, takeover);
        lock (_gate)
        {
            if (!_disposed)
            {
                _grants.Add(grant);
                return grant;
            }
        }

        // Disposed meanwhile: the hold ends as the session's other holds did.
        grant.AbandonAsync(now).AsTask().GetAwaiter().GetResult();
        throw new ObjectDisposedException(nameof(Coordinator));
    }

    public RecordData NewRecord(FileLockTarget target, in AcquisitionRequest request, RecordState state, long sequence) =>
        new(target.Name, target.Kind, state, request.Mode, request.MaxCount, 0, sequence, TimeProvider.GetUtcNow().UtcTicks, 0, request.Member);

    public void Forget(FileGrant grant)
    {
        lock (_gate)
        {
            _grants.Remove(grant);
        }
    }

    public void Forget(FileTicket ticket)
    {
        lock (_gate)
        {
            _tickets.Remove(ticket);
        }
    }

    public void ThrowIfDisposed()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(Coordinator));
        }
    }
}
