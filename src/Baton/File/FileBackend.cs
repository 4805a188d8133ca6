using Baton.Backends;
using Baton.Files.Cleaning;
using Baton.Files.Presence;
using Baton.Files.Records;
using Microsoft.Win32.SafeHandles;

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
    private volatile EncodedMember? _member;

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

    /// <summary>Records live inside the lock files (the default layout); the layouts that keep or share their files use records beside them.</summary>
    public bool RecordsInFile => !Options.KeepsFiles;

    public override object? PrepareName(LockKind kind, string name) => FileLockTarget.Create(Options, kind, name);

    public override ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var target = request.PreparedName as FileLockTarget ?? FileLockTarget.Create(Options, request.Kind, request.Name);
        var held = LockFile.TryAcquire(Directory, Options, target, request.Mode, request.MaxCount);
        if (held is not null)
        {
            return new(AcquisitionStart.Granted(Grant(target, request, held, waiting: null)));
        }

        if (!request.Wait)
        {
            return new(AcquisitionStart.Denied);
        }

        // Registered and started in one step under the gate: a disposal sees either no ticket or a started one
        // (whose thread it can stop), and no ticket starts once the backend is disposed. Starting only hands the
        // work to a waiting thread; nothing here waits for that thread, which takes the gate only when it ends.
        var ticket = new FileTicket(this, target, request);
        lock (_gate)
        {
            ThrowIfDisposed();
            _tickets.Add(ticket);
            ticket.Start();
        }

        return new(AcquisitionStart.Queued(ticket));
    }

    public override ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return new(Listing.List(Directory, TimeProvider.GetUtcNow()));
    }

    public override ValueTask<LockInfo?> GetLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return new(Listing.ListOne(Directory, FileLockTarget.Create(Options, kind, name), TimeProvider.GetUtcNow()));
    }

    public override ValueTask<NameWatch?> WatchNameAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return new(FileNameWatch.Start(Directory, FileLockTarget.Create(Options, kind, name), TimeProvider));
    }

    public override ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var target = FileLockTarget.Create(Options, kind, name);
        var holders = Listing.LiveHolders(Directory, target, TimeProvider.GetUtcNow());
        if (holders.Count > 0)
        {
            throw new NotSupportedException(
                $"The file backend cannot break '{name}': its holder ({string.Join(", ", holders.Select(static h => h.Member))}) is alive, and the kernel owns its lock until that process closes the file. Stop or kill the holder; the lock is released the moment it exits.");
        }

        // Nobody alive holds it: a crashed holder's lock was already released by the kernel.
        return new(Array.Empty<LockHolder>());
    }

    /// <summary>
    /// Removes the directory's leftovers by lock, re-check, unlink (see <see cref="LockFileCleaner"/>); ages are
    /// measured against this backend's clock.
    /// </summary>
    public override ValueTask<IReadOnlyList<CleanedLockFile>> CleanAsync(TimeSpan olderThan, bool dryRun, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return new(LockFileCleaner.Clean(Directory, Options, TimeProvider.GetUtcNow(), olderThan, dryRun, cancellationToken));
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

        // Last: every waiting thread has finished (FailAsync waits for it; one that had already committed its grant
        // registered it before the snapshot, and it was abandoned just now), and nothing new starts once disposed.
        // A user's release racing this disposal may still find the directory closed: it then keeps the file
        // (see LockFile.Release), never touching another descriptor that reuses the number, as SafeHandle guarantees.
        Directory.Dispose();
    }

    /// <summary>
    /// Makes the grant of a hold whose kernel lock is taken and whose file is re-checked: claims dead holders'
    /// records (the takeover notice), draws the token, and publishes the hold — turning the waiting record into
    /// the holder's, or writing a new one. On failure the hold is released, so the caller owns nothing.
    /// </summary>
    public FileGrant Grant(FileLockTarget target, in AcquisitionRequest request, HeldFile held, HoldRecord? waiting)
    {
        HoldRecord? record = waiting;
        try
        {
            var now = TimeProvider.GetUtcNow();
            var exclusiveLock = target.Kind == LockKind.Lock && request.Mode == LockMode.Exclusive;
            var takeover = RecordsInFile
                ? held.Size > 0 ? InFileScanner.ClaimDead(held.Fd, held.Size, exclusiveLock, (waiting as InFileRecord)?.Slot, now) : null
                : RecordScanner.ClaimDeadHolders(Directory, target, (waiting as PresenceRecord)?.FileName, request.Mode == LockMode.Exclusive, now);
            var token = Counter.Next();
            var data = NewRecord(target, request, RecordState.Holding, waiting?.Data.Sequence ?? 0) with { Token = token, SinceTicks = now.UtcTicks };
            if (record is not null)
            {
                record.Update(data);
            }
            else
            {
                record = !RecordsInFile ? PresenceRecord.Create(Directory, target, data)
                    : exclusiveLock ? InFileRecord.InRegion(held.Fd, target.NameUtf8, MemberBytes(request.Member), data)
                    : InFileRecord.InSlot(held.Fd, target.NameUtf8, MemberBytes(request.Member), data);
            }

            var grant = new FileGrant(this, target, held, record, request.Mode, token, takeover);
            lock (_gate)
            {
                if (!_disposed)
                {
                    _grants.Add(grant);
                    return grant;
                }
            }
        }
        catch
        {
            LockFile.Release(Directory, Options, target, held, record);
            throw;
        }

        // Disposed meanwhile: no user ever receives this hold, so it ends cleanly, not abandoned (which would tell
        // the next holder of a takeover that never happened). Outside the try: released exactly once.
        LockFile.Release(Directory, Options, target, held, record);
        throw new ObjectDisposedException(nameof(Coordinator));
    }

    /// <summary>Publishes a waiting record in the open file of one attempt (inside it, or beside it); <paramref name="holding"/> is the record an upgrading reader already has there.</summary>
    public HoldRecord PublishWaiting(SafeFileHandle fd, FileLockTarget target, in AcquisitionRequest request, HoldRecord? holding = null)
    {
        var data = NewRecord(target, request, RecordState.Waiting, Counter.Next());
        return RecordsInFile
            ? InFileRecord.InSlot(fd, target.NameUtf8, MemberBytes(request.Member), data, (holding as InFileRecord)?.Slot)
            : PresenceRecord.Create(Directory, target, data);
    }

    public RecordData NewRecord(FileLockTarget target, in AcquisitionRequest request, RecordState state, long sequence) =>
        new(target.Name, target.Kind, state, request.Mode, request.MaxCount, 0, sequence, TimeProvider.GetUtcNow().UtcTicks, 0, request.Member);

    /// <summary>The member part of in-file records, encoded once per coordinator (every request of one coordinator has the same member).</summary>
    public byte[] MemberBytes(MemberIdentity member)
    {
        if (_member is { } known && ReferenceEquals(known.Member, member))
        {
            return known.Bytes;
        }

        var bytes = RecordCodec.EncodeMember(member);
        _member = new EncodedMember(member, bytes);
        return bytes;
    }

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

    private sealed record EncodedMember(MemberIdentity Member, byte[] Bytes);
}
