using System.Collections.Concurrent;
using System.Globalization;
using Baton.Backends;
using Baton.Redis.Connection;
using Baton.Redis.Diagnostics;
using Baton.Redis.Introspection;
using Baton.Redis.Keys;
using Baton.Redis.Leases;
using Baton.Redis.Scripts;
using Baton.Redis.Waiting;
using Baton.Redis.Watching;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Baton.Redis;

/// <summary>
/// One coordinator's session on a Redis server: one multiplexed connection (plus its pub/sub connection), one
/// wake channel, one lease keeper, and a subscription per watched group. Every operation is one atomic Lua script
/// (see <see cref="LuaScripts"/>).
/// </summary>
internal sealed partial class RedisBackend : CoordinationBackend
{
    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _database;
    private readonly ConcurrentDictionary<string, RedisTicket> _tickets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedisGrant> _grants = new(StringComparer.Ordinal);
    private readonly RedisChannel _wakeChannel;
    private long _nextId;
    private int _disposed;

    private RedisBackend(ConnectionMultiplexer connection, RedisBackendOptions options, BackendContext context)
    {
        _connection = connection;
        _database = connection.GetDatabase(options.Database);
        Options = options;
        Clock = context.TimeProvider;
        Member = context.Member;
        MemberJson = MemberCodec.Encode(context.Member);
        Owner = Guid.NewGuid().ToString("N");
        ChannelPrefix = options.Prefix + "w:"; // Two bytes past the prefix, as the kind letter of a base: scripts find it there.
        IndexKey = options.Prefix + "names";
        TtlMilliseconds = (long)options.Ttl.TotalMilliseconds;
        TtlTicks = (long)(options.Ttl.TotalSeconds * Clock.TimestampFrequency);
        Logger = context.LoggerFactory.CreateLogger("Baton.Redis");
        _wakeChannel = RedisChannel.Literal(ChannelPrefix + Owner);
        Keeper = new LeaseKeeper(this, Clock, options.Ttl, Logger);
    }

    public RedisBackendOptions Options { get; }

    public TimeProvider Clock { get; }

    public MemberIdentity Member { get; }

    /// <summary>This coordinator's identity as records carry it.</summary>
    public string MemberJson { get; }

    /// <summary>This coordinator's id: its wake channel is <see cref="ChannelPrefix"/> + owner.</summary>
    public string Owner { get; }

    public string ChannelPrefix { get; }

    public RedisKey IndexKey { get; }

    public long TtlMilliseconds { get; }

    public long TtlTicks { get; }

    public ILogger Logger { get; }

    public LeaseKeeper Keeper { get; }

    /// <summary>The open watches of names (see <see cref="WatchNameAsync"/>).</summary>
    public NameWatches Watches { get; } = new();

    /// <summary>The pub/sub side of the connection.</summary>
    public ISubscriber Subscriber => _connection.GetSubscriber();

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>True while the interactive connection is up.</summary>
    public bool IsConnected => _connection.IsConnected;

    public static async ValueTask<RedisBackend> ConnectAsync(RedisBackendOptions options, BackendContext context, CancellationToken cancellationToken)
    {
        var connection = await RedisConnector.ConnectAsync(options, context.LoggerFactory, cancellationToken).ConfigureAwait(false);
        var backend = new RedisBackend(connection, options, context);
        try
        {
            await SubscribeAsync(connection, backend, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        backend.Keeper.Start();
        connection.ConnectionFailed += backend.OnConnectionChanged;
        connection.ConnectionRestored += backend.OnConnectionChanged;
        return backend;
    }

    /// <summary>
    /// Subscribes the wake channel. The multiplexer may still be opening its subscription connection when the
    /// interactive one is up, and fails fast meanwhile: retry briefly (the caller's connect timeout bounds it).
    /// </summary>
    private static async Task SubscribeAsync(ConnectionMultiplexer connection, RedisBackend backend, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await connection.GetSubscriber().SubscribeAsync(backend._wakeChannel, backend.OnWakeMessage).WaitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RedisConnectionException) when (attempt < 100 && connection.IsConnected)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), backend.Clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override object? PrepareName(LockKind kind, string name) => NameKey.Create(Options.Prefix, kind, name);

    public override async ValueTask<AcquisitionStart> StartAcquisitionAsync(AcquisitionRequest request, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var key = request.PreparedName as NameKey ?? NameKey.Create(Options.Prefix, request.Kind, request.Name);
        var id = NewId();
        var member = MemberJsonOf(request.Member);

        // Registered before the request is sent: the grant's message may arrive before the reply.
        RedisTicket? ticket = null;
        if (request.Wait)
        {
            ticket = new RedisTicket(this, key, id, request.Mode, request.MaxCount, member);
            _tickets[id] = ticket;
        }

        var sentAt = Clock.GetTimestamp();
        RedisResult reply;
        try
        {
            reply = await EvaluateAsync(LuaScripts.Acquire, [key.Key, IndexKey], AcquireArguments(id, request.Mode, request.Wait, request.MaxCount, member))
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            _tickets.TryRemove(id, out _);
            throw Unavailable(e);
        }

        switch ((long)reply[0])
        {
            case 1 when IsDisposed:
                // The coordinator closed while the request was out: nobody may hold what it got.
                _tickets.TryRemove(id, out _);
                try
                {
                    _ = EvaluateAsync(LuaScripts.Release, [key.Key, IndexKey], [ChannelPrefix, id], CommandFlags.FireAndForget);
                }
                catch (Exception e) when (e is RedisException or ObjectDisposedException)
                {
                    // The connection is closed: the lease ends the hold.
                }

                throw new ObjectDisposedException(nameof(Coordinator));
            case 1:
                _tickets.TryRemove(id, out _);
                var grant = new RedisGrant(
                    this, key, new Lease(id, key, sentAt, TtlTicks), request.Mode, (long)reply[1], Records.ParseTakeover((string?)reply[3], (long)reply[2], Clock.GetUtcNow()));
                Adopt(grant);
                return AcquisitionStart.Granted(grant);
            case 2:
                ticket!.OnQueued(sentAt, (long)reply[1]);
                return AcquisitionStart.Queued(ticket);
            case -1:
                _tickets.TryRemove(id, out _);
                throw CountMismatch(key.Name, (long)reply[1], request.MaxCount);
            default:
                _tickets.TryRemove(id, out _);
                return AcquisitionStart.Denied;
        }
    }

    public override async ValueTask<IReadOnlyList<LockInfo>> ListLocksAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        RedisResult reply;
        try
        {
            reply = await EvaluateAsync(LuaScripts.List, [IndexKey], [ChannelPrefix]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw Unavailable(e);
        }

        return Listing.Parse(reply, Options.Prefix, Clock.GetUtcNow());
    }

    public override async ValueTask<LockInfo?> GetLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var key = NameKey.Create(Options.Prefix, kind, name);
        RedisResult reply;
        try
        {
            reply = await EvaluateAsync(LuaScripts.Get, [key.Key, IndexKey], [ChannelPrefix]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw Unavailable(e);
        }

        Watches.OnRead(key.Text, Clock.GetTimestamp(), reply.Length >= 5 ? (long)reply[4] : null);
        return Listing.ParseOne(reply, key, Clock.GetUtcNow());
    }

    /// <summary>
    /// Groups: a watch woken by the group's own notice channel (joins, leaves, expiries and breaks publish on it) and
    /// by the earliest lease deadline of its members. Locks and semaphores: null, so elections poll — a notice on
    /// every lock acquire and release would cost the lock's hot path (see docs/backends/redis.md).
    /// </summary>
    public override async ValueTask<NameWatch?> WatchNameAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (kind != LockKind.Group)
        {
            return null;
        }

        try
        {
            return await RedisNameWatch.StartAsync(this, NameKey.Create(Options.Prefix, kind, name), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw Unavailable(e);
        }
    }

    public override async ValueTask<IReadOnlyList<LockHolder>> BreakLockAsync(LockKind kind, string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var key = NameKey.Create(Options.Prefix, kind, name);
        RedisResult reply;
        try
        {
            reply = await EvaluateAsync(LuaScripts.Break, [key.Key, IndexKey], [ChannelPrefix]).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw Unavailable(e);
        }

        var localNow = Clock.GetUtcNow();
        var serverNow = (long)reply[reply.Length - 1];
        var broken = new List<LockHolder>(reply.Length - 1);
        for (var i = 0; i < reply.Length - 1; i++)
        {
            broken.Add(Records.ParseHolder((string)reply[i]!, serverNow, localNow));
        }

        broken.Sort(static (a, b) => a.FencingToken.CompareTo(b.FencingToken));
        return broken;
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _connection.ConnectionFailed -= OnConnectionChanged;
        _connection.ConnectionRestored -= OnConnectionChanged;
        Watches.SignalAll();
        await Keeper.DisposeAsync().ConfigureAwait(false);
        var tickets = _tickets.Values.ToArray();
        var grants = _grants.Values.ToArray();
        foreach (var ticket in tickets)
        {
            ticket.Fail(new ObjectDisposedException(nameof(Coordinator), $"The coordinator waiting for '{ticket.Key.Name}' was disposed."));
        }

        // The server ends this member's holds as abandoned and drops its waits, one script per name.
        var ids = new Dictionary<string, (NameKey Key, List<RedisValue> Ids)>(StringComparer.Ordinal);
        foreach (var (key, id) in tickets.Select(static t => (t.Key, t.Lease.Id)).Concat(grants.Where(static g => g.TryEnd()).Select(static g => (g.Key, g.Lease.Id))))
        {
            if (!ids.TryGetValue(key.Text, out var entry))
            {
                entry = (key, [ChannelPrefix]);
                ids[key.Text] = entry;
            }

            entry.Ids.Add(id);
        }

        try
        {
            await Task.WhenAll(ids.Values.Select(e => EvaluateAsync(LuaScripts.Abandon, [e.Key.Key, IndexKey], [.. e.Ids])))
                .WaitAsync(TimeSpan.FromSeconds(5), Clock).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The leases end the holds and waits instead.
            RedisLog.AbandonFailed(Logger, Options.Display, e);
        }

        foreach (var grant in grants)
        {
            grant.OnAbandoned();
        }

        try
        {
            await _connection.GetSubscriber().UnsubscribeAsync(_wakeChannel).WaitAsync(TimeSpan.FromSeconds(1), Clock).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Closing the connection ends the subscription anyway.
        }

        await _connection.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a script by its hash; a server that does not know it (restarted) gets the text once. The request is
    /// written before this returns, so calls made in order under a lock reach the server in that order.
    /// </summary>
    public Task<RedisResult> EvaluateAsync(ServerScript script, RedisKey[] keys, RedisValue[] values, CommandFlags flags = CommandFlags.None)
    {
        if ((flags & CommandFlags.FireAndForget) != 0)
        {
            return _database.ScriptEvaluateAsync(script.Text, keys, values, flags);
        }

        var sent = _database.ScriptEvaluateAsync(script.Sha, keys, values, flags);
        return sent.IsCompletedSuccessfully ? sent : WithTextOnNoScriptAsync(sent, script, keys, values, flags);
    }

    private async Task<RedisResult> WithTextOnNoScriptAsync(Task<RedisResult> sent, ServerScript script, RedisKey[] keys, RedisValue[] values, CommandFlags flags)
    {
        try
        {
            return await sent.ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await _database.ScriptEvaluateAsync(script.Text, keys, values, flags).ConfigureAwait(false);
        }
    }

    public RedisValue[] AcquireArguments(string id, LockMode mode, bool wait, int maxCount, string member) =>
    [
        ChannelPrefix, id, Records.ModeLetter(mode).ToString(), wait ? "1" : "0", TtlMilliseconds, Owner, member, maxCount,
    ];

    /// <summary>
    /// A requester as records carry it: this coordinator's identity, encoded once, or another one (a group member
    /// joins with its member id and capabilities), encoded for its request.
    /// </summary>
    public string MemberJsonOf(MemberIdentity member) => ReferenceEquals(member, Member) || member == Member ? MemberJson : MemberCodec.Encode(member);

    public void Adopt(RedisGrant grant)
    {
        _grants[grant.Lease.Id] = grant;
        Keeper.Replace(grant);
    }

    public void Forget(RedisGrant grant)
    {
        _grants.TryRemove(new KeyValuePair<string, RedisGrant>(grant.Lease.Id, grant));
        Keeper.Remove(grant);
    }

    public void Forget(RedisTicket ticket) => _tickets.TryRemove(new KeyValuePair<string, RedisTicket>(ticket.Lease.Id, ticket));

    public void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, typeof(Coordinator));

    /// <summary>A failure to reach the server, naming it without credentials.</summary>
    public BackendUnavailableException Unavailable(Exception e) =>
        new($"The Redis server at {Options.Display} did not answer ({Describe(e)}). Check that it runs and is reachable; holds keep their leases until then.", e);

    public static InvalidOperationException CountMismatch(string name, long inUse, int asked) =>
        new($"Semaphore '{name}' is in use with a count of {inUse}; this request asked for {asked}. Every user of a semaphore must agree on its count.");

    private static string Describe(Exception e) => e switch
    {
        RedisConnectionException c => $"connection failure: {c.FailureType}",
        RedisTimeoutException => "timed out",
        TimeoutException => "timed out",
        _ => e.GetType().Name,
    };

    // A watch cannot tell what it missed while a connection was down: its caller reads again.
    private void OnConnectionChanged(object? sender, ConnectionFailedEventArgs e) => Watches.SignalAll();

    private string NewId() => string.Create(CultureInfo.InvariantCulture, $"{Owner}.{Interlocked.Increment(ref _nextId):x}");

    /// <summary>A message on this coordinator's wake channel: <c>g|id|token|now|takeover</c>, <c>u|id|token</c> or <c>l|id|reason</c>.</summary>
    private void OnWakeMessage(RedisChannel channel, RedisValue message)
    {
        var text = (string?)message;
        if (text is null || text.Length < 3)
        {
            return;
        }

        var parts = text.Split('|', 5);
        if (parts.Length < 3)
        {
            return;
        }

        switch (parts[0])
        {
            case "g" when parts.Length == 5 && _tickets.TryGetValue(parts[1], out var ticket):
                ticket.OnGranted(Records.ParseLong(parts[2]), Records.ParseTakeover(parts[4], Records.ParseLong(parts[3]), Clock.GetUtcNow()));
                break;
            case "u" when _grants.TryGetValue(parts[1], out var upgraded):
                upgraded.OnUpgradeGranted(Records.ParseLong(parts[2]));
                break;
            case "l" when _grants.TryGetValue(parts[1], out var lost):
                lost.Lose(LossReason.Broken);
                break;
            default:
                break;
        }
    }
}
