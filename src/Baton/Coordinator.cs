using Baton.Backends;
using Baton.Diagnostics;
using Baton.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton;

/// <summary>
/// The entry point: one connection (session) to one backend, picked by URL. Hands out locks,
/// reader-writer locks and semaphores, lists who holds and waits, and breaks stuck locks.
/// Disposing it ends every hold it still has, as a crash of this member would.
/// </summary>
public sealed class Coordinator : IAsyncDisposable
{
    /// <summary>The environment variable that overrides the default backend URL.</summary>
    public const string BackendEnvironmentVariable = "BATON_BACKEND";

    private int _disposed;

    private Coordinator(
        CoordinationBackend backend, BackendUrl url, MemberIdentity member, TimeProvider timeProvider, TimeSpan watchPollInterval, ILogger logger, CoordinatorOptions options)
    {
        Ordering = Baton.Ordering.OrderingHooks.Create(options, url.ToString(), logger);
        WatchPollInterval = watchPollInterval;
        Backend = backend;
        Url = url;
        Member = member;
        TimeProvider = timeProvider;
        Logger = logger;
    }

    /// <summary>The backend URL, with any password hidden.</summary>
    public string BackendUrl => Url.ToString();

    /// <summary>The URL scheme of the backend, such as <c>memory</c> or <c>redis</c>.</summary>
    public string Scheme => Url.Scheme;

    /// <summary>Who this coordinator's holders and waiters are in listings.</summary>
    public MemberIdentity Member { get; }

    /// <summary>The clock for timeouts and times.</summary>
    public TimeProvider TimeProvider { get; }

    internal CoordinationBackend Backend { get; }

    internal TimeSpan WatchPollInterval { get; }

    internal BackendUrl Url { get; }

    internal ILogger Logger { get; }

    /// <summary>The lock-order checker and deadlock detector; null when both are off.</summary>
    internal Baton.Ordering.OrderingHooks? Ordering { get; }

    /// <summary>
    /// The backend URL used when none is given: the <c>BATON_BACKEND</c> environment variable when set,
    /// otherwise the file backend in a directory that every process of the same user computes alike.
    /// </summary>
    public static string DefaultBackendUrl
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(BackendEnvironmentVariable);
            return string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultFileUrl : fromEnvironment.Trim();
        }
    }

    private static string DefaultFileUrl => "file://" + Files.FileLockDirectory.DefaultPath;

    /// <summary>Connects to the backend named by the URL.</summary>
    /// <param name="backendUrl">The backend URL (see the README's table); null for <see cref="DefaultBackendUrl"/>.</param>
    /// <param name="options">Member id, clock, logging and connect timeout; null for defaults.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <exception cref="ArgumentException">The URL cannot be parsed, names an unknown scheme or has bad options.</exception>
    /// <exception cref="BackendUnavailableException">The backend cannot be reached within the connect timeout.</exception>
    public static async ValueTask<Coordinator> ConnectAsync(
        string? backendUrl = null, CoordinatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new CoordinatorOptions();
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var url = Backends.BackendUrl.Parse(backendUrl ?? DefaultBackendUrl);
        var provider = BackendRegistry.Resolve(url);
        var member = MemberIdentity.ForCurrentProcess(options.MemberId);
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var context = new BackendContext(url, member, options.TimeProvider, loggerFactory);

        // The connect timeout's timer starts only if connecting does not finish synchronously (the file and memory
        // backends do): the first timer of a process starts the runtime's timer thread, a cost a short-lived
        // command such as `baton run` pays at every start for nothing.
        using var connectTimeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connectTimeout.Token);
        CoordinationBackend backend;
        try
        {
            var connecting = provider.ConnectAsync(context, linked.Token);
            if (!connecting.IsCompleted)
            {
                connectTimeout.CancelAfter(options.ConnectTimeout);
            }

            backend = await connecting.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is not ArgumentException)
        {
            // A backend's client may report the caller's cancellation as its own failure (gRPC: a "Cancelled" status).
            throw new OperationCanceledException($"Connecting to {url} was cancelled.", e, cancellationToken);
        }
        catch (Exception e) when (connectTimeout.IsCancellationRequested && e is OperationCanceledException or BackendUnavailableException)
        {
            // Said plainly: the client's own wording of an aborted call ("cannot authenticate: Cancelled") hides the timeout.
            throw new BackendUnavailableException($"Could not connect to {url} within {options.ConnectTimeout}.", e);
        }
        catch (Exception e) when (e is not ArgumentException and not BackendUnavailableException)
        {
            throw new BackendUnavailableException($"Could not connect to {url}: {e.Message}", e);
        }

        return new Coordinator(backend, url, member, options.TimeProvider, options.WatchPollInterval, loggerFactory.CreateLogger("Baton"), options);
    }

    /// <summary>A leader election; the same name is the exclusive lock whose holder leads (see <see cref="LeaderElection"/>).</summary>
    /// <param name="name">Any non-empty string of at most 1,024 UTF-8 bytes without NUL.</param>
    /// <exception cref="ArgumentException">The name is not valid; the message says why.</exception>
    public LeaderElection CreateElection(string name)
    {
        NameValidation.Validate(name, nameof(name));
        ThrowIfDisposed();
        return new LeaderElection(this, name);
    }

    /// <summary>A membership group, in a namespace of its own (a lock of the same name is another thing).</summary>
    /// <param name="name">Any non-empty string of at most 1,024 UTF-8 bytes without NUL.</param>
    /// <exception cref="ArgumentException">The name is not valid; the message says why.</exception>
    public MemberGroup CreateGroup(string name)
    {
        NameValidation.Validate(name, nameof(name));
        ThrowIfDisposed();
        return new MemberGroup(this, name);
    }

    /// <summary>
    /// A lock hierarchy: ordered levels whose sets of names are taken level by level, so flows cannot deadlock by
    /// ordering (see <see cref="LockHierarchy"/>). Its locks are the reader-writer locks <c>{name}/{level}</c> and
    /// <c>{name}/{level}/{lock name}</c> of this backend.
    /// </summary>
    /// <param name="name">The hierarchy's name: a valid lock name without '/'.</param>
    /// <param name="levels">The levels in the order they are taken, such as <c>["cluster", "node-group", "instance", "node"]</c>; unique, non-empty, without '/'.</param>
    /// <exception cref="ArgumentException">The name or a level is not valid, or a level is declared twice; the message says which.</exception>
    public LockHierarchy CreateHierarchy(string name, IEnumerable<string> levels)
    {
        var validLevels = LockHierarchy.ValidateDefinition(name, levels);
        ThrowIfDisposed();
        return new LockHierarchy(this, name, validLevels);
    }

    /// <summary>An exclusive lock; the same name is the writer side of <see cref="CreateReaderWriterLock"/>.</summary>
    /// <param name="name">Any non-empty string of at most 1,024 UTF-8 bytes without NUL.</param>
    /// <exception cref="ArgumentException">The name is not valid; the message says why.</exception>
    public DistributedLock CreateLock(string name)
    {
        NameValidation.Validate(name, nameof(name));
        return new DistributedLock(this, name);
    }

    /// <summary>A reader-writer lock: many readers or one writer.</summary>
    /// <param name="name">Any non-empty string of at most 1,024 UTF-8 bytes without NUL.</param>
    /// <exception cref="ArgumentException">The name is not valid; the message says why.</exception>
    public DistributedReaderWriterLock CreateReaderWriterLock(string name)
    {
        NameValidation.Validate(name, nameof(name));
        return new DistributedReaderWriterLock(this, name);
    }

    /// <summary>A counting semaphore that admits at most <paramref name="maxCount"/> holders. Every user of a name must agree on the count.</summary>
    /// <param name="name">Any non-empty string of at most 1,024 UTF-8 bytes without NUL.</param>
    /// <param name="maxCount">How many may hold it at once, from 1 to <see cref="DistributedSemaphore.MaxMaxCount"/>.</param>
    /// <exception cref="ArgumentException">The name is not valid; the message says why.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The count is out of range.</exception>
    public DistributedSemaphore CreateSemaphore(string name, int maxCount)
    {
        NameValidation.Validate(name, nameof(name));
        if (maxCount < 1 || maxCount > DistributedSemaphore.MaxMaxCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxCount), maxCount, $"A semaphore's count must be between 1 and {DistributedSemaphore.MaxMaxCount:N0}; got {maxCount}.");
        }

        return new DistributedSemaphore(this, name, maxCount);
    }

    /// <summary>Every held or awaited name, with its holders and waiters and since when.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        return Backend.ListLocksAsync(cancellationToken);
    }

    /// <summary>
    /// Breaks a name held by a dead or stuck holder: its holds end, their lost tokens fire where the
    /// backend can signal it, their fencing tokens are superseded, and the next holder gets a
    /// <see cref="TakeoverNotice"/>. Returns the holders that were removed (empty when none).
    /// </summary>
    /// <param name="name">The name to break.</param>
    /// <param name="kind">Lock (default; also an election), semaphore or group (breaking a group ends every membership).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="NotSupportedException">The backend cannot break a live holder; the message says why.</exception>
    public async ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(
        string name, LockKind kind = LockKind.Lock, CancellationToken cancellationToken = default)
    {
        NameValidation.Validate(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        var broken = await Backend.BreakLockAsync(kind, name, cancellationToken).ConfigureAwait(false);
        if (broken.Count > 0)
        {
            Log.Broke(Logger, name, BackendUrl, broken.Count);
        }

        return broken;
    }

    /// <summary>
    /// Removes leftover lock files that nobody holds or waits on (for example those of crashed holders, or the
    /// files a kept layout leaves), each by the backend's lock, re-check, delete protocol, so a file someone
    /// holds or waits on is never removed. Returns what was removed, or with <paramref name="dryRun"/> what would be,
    /// and the entries left in place on purpose, each with its <see cref="CleanedLockFile.SkipReason"/> (a symbolic
    /// link, a file that is no lock file, another user's).
    /// </summary>
    /// <param name="olderThan">Only leftovers last modified at least this long ago; null or zero for every leftover, whatever its age.</param>
    /// <param name="dryRun">Only report, remove nothing.</param>
    /// <param name="cancellationToken">Cancels the scan; files already removed stay removed.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="olderThan"/> is negative or infinite.</exception>
    /// <exception cref="NotSupportedException">The backend keeps no leftovers (memory, lease and session backends); the message says so.</exception>
    public ValueTask<IReadOnlyList<CleanedLockFile>> CleanAsync(
        TimeSpan? olderThan = null, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        var age = olderThan ?? TimeSpan.Zero;
        if (age < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(
                nameof(olderThan), age, $"The age of leftovers to clean must be zero or positive; {age} is negative (Timeout.InfiniteTimeSpan is not an age either).");
        }

        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        return Backend.CleanAsync(age, dryRun, cancellationToken);
    }

    /// <summary>Closes the backend session. Holds still open end as if this member had crashed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await Backend.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Shows the backend URL (password hidden) and the member.</summary>
    public override string ToString() => $"{BackendUrl} as {Member}";

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
