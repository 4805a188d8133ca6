using Baton.ZooKeeper.Client.Connection;
using Baton.ZooKeeper.Client.Jute;
using Baton.ZooKeeper.Client.Protocol;

namespace Baton.ZooKeeper.Client;

/// <summary>The session's life: connecting, reconnecting within the session timeout, and the final states.</summary>
public sealed partial class ZooKeeperClient : IConnectionOwner
{
    private byte[] _password = new byte[RequestRecords.PasswordLength];
    private long _lastZxid;
    private long _lastAcknowledgedSend;
    private int _xid;
    private volatile ZooKeeperConnection? _connection;

    /// <summary>The server of the current connection (for tests and diagnostics); null while none.</summary>
    internal System.Net.DnsEndPoint? CurrentServer => _state == ZooKeeperConnectionState.Connected ? _connection?.Endpoint : null;

    /// <summary>Closes the current connection as if the network broke (for fault tests): the client suspends and reconnects.</summary>
    internal void DropConnection() => _connection?.Close();

    /// <summary>
    /// Whether the local session deadline (the send time of the last answered request, plus <see cref="ClaimedTimeout"/>) has passed,
    /// even if <see cref="SessionLost"/> has not fired yet: a process resumed after a long stop reads what the server
    /// sent before it expired the session (the deletions of its own ephemeral nodes) before its own timers run.
    /// </summary>
    internal bool IsPastSessionDeadline => _time.GetElapsedTime(Volatile.Read(ref _lastAcknowledgedSend)) >= ClaimedTimeout;

    /// <summary>
    /// How long after an answered request was sent the client counts its session alive: a twentieth short of the
    /// negotiated timeout, so that the session's end has been signalled, and its callbacks have had time to run,
    /// before the server can expire it, even with clocks that run at slightly different rates.
    /// </summary>
    internal TimeSpan ClaimedTimeout => SessionTimeout - (SessionTimeout / 20);

    /// <summary>The session's password (tests resume the session from another client with it). Never log it.</summary>
    internal ReadOnlySpan<byte> SessionPassword => _password;

    private static bool IsFinal(ZooKeeperConnectionState state) =>
        state is ZooKeeperConnectionState.Expired or ZooKeeperConnectionState.Closed or ZooKeeperConnectionState.AuthFailed;

    int IConnectionOwner.NextXid() => _xid = _xid == int.MaxValue ? 1 : _xid + 1;

    void IConnectionOwner.Acknowledged(long sentTimestamp, long zxid)
    {
        // Only the read loop writes these while a connection runs; the session loop writes them between connections.
        if (sentTimestamp > Volatile.Read(ref _lastAcknowledgedSend))
        {
            Volatile.Write(ref _lastAcknowledgedSend, sentTimestamp);
        }

        if (zxid > Volatile.Read(ref _lastZxid))
        {
            Volatile.Write(ref _lastZxid, zxid);
        }
    }

    void IConnectionOwner.WatchEvent(int type, int state, string? serverPath)
    {
        if (type is < (int)WatchedEventType.NodeCreated or > (int)WatchedEventType.NodeChildrenChanged || serverPath is null)
        {
            return; // connection-state notices: the client tracks its state itself
        }

        var path = PathRules.Strip(_chroot, serverPath);
        var kind = (WatchedEventType)type;
        var watchedEvent = new WatchedEvent(kind, ZooKeeperConnectionState.Connected, path);
        foreach (var watcher in _watches.Trigger(kind, path))
        {
            _events.Watch(watcher, watchedEvent);
        }
    }

    void IConnectionOwner.SessionEnded(ZooKeeperConnectionState state, string reason) => End(state, reason);

    Exception IConnectionOwner.LostRequestError(string? path) => IsFinal(_state)
        ? FinalError(path)
        : new ZooKeeperException(ZooKeeperErrorCode.ConnectionLoss, path, "the connection to the server was lost before the reply; the request may or may not have been applied");

    /// <summary>The error of every call once the session is over.</summary>
    private Exception FinalError(string? path) => _state switch
    {
        ZooKeeperConnectionState.AuthFailed => new ZooKeeperException(ZooKeeperErrorCode.AuthFailed, path, "the server refused the client's credentials"),
        ZooKeeperConnectionState.Closed => new ObjectDisposedException(nameof(ZooKeeperClient)),
        _ => new ZooKeeperException(ZooKeeperErrorCode.SessionExpired, path, "the ZooKeeper session is lost"),
    };

    private void SetState(ZooKeeperConnectionState state)
    {
        lock (_gate)
        {
            if (IsFinal(_state))
            {
                return;
            }

            _state = state;
        }

        if (StateChanged is { } handler)
        {
            _events.State(handler, state);
        }
    }

    /// <summary>Enters a final state: fails every pending call, tells every watcher, fires <see cref="SessionLost"/>.</summary>
    private void End(ZooKeeperConnectionState state, string reason)
    {
        lock (_gate)
        {
            if (IsFinal(_state))
            {
                return;
            }

            _state = state;
        }

        if (state != ZooKeeperConnectionState.Closed)
        {
            ClientLog.SessionEnded(_logger, SessionId, state, reason);
        }

        _requests.Writer.TryComplete();
        while (_requests.Reader.TryRead(out var request))
        {
            request.Fail(FinalError(request.Path));
        }

        _lifetime.Cancel();
        if (StateChanged is { } handler)
        {
            _events.State(handler, state);
        }

        foreach (var (watcher, path) in _watches.TakeAll())
        {
            _events.Watch(watcher, new WatchedEvent(WatchedEventType.None, state, path));
        }

        _firstSession.TrySetException(FinalError(null));
        try
        {
            _sessionLost.Cancel();
        }
        catch (AggregateException exception)
        {
            ClientLog.CallbackFailed(_logger, exception, null);
        }
    }

    private async Task RunSessionAsync()
    {
        try
        {
            await RunSessionCoreAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Disposed or ended: nothing more to do.
        }
#pragma warning disable CA1031 // the loop runs unobserved: whatever breaks it must end the session visibly, not the process
        catch (Exception exception)
#pragma warning restore CA1031
        {
            ClientLog.LoopFailed(_logger, exception);
            End(ZooKeeperConnectionState.Expired, $"the session loop failed: {exception.Message}");
        }
    }

    private async Task RunSessionCoreAsync()
    {
        var servers = _options.Servers;
        var next = 0;
        var tried = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var attempts = 0;
        var connectStarted = _time.GetTimestamp();
        var established = false;
        while (!_lifetime.IsCancellationRequested)
        {
            ZooKeeperConnection? connection = null;
            var failedInRound = 0;
            var round = 0;
            long sentAt = 0;
            while (connection is null)
            {
                var remaining = established
                    ? ClaimedTimeout - _time.GetElapsedTime(Volatile.Read(ref _lastAcknowledgedSend))
                    : _options.ConnectTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : _options.ConnectTimeout - _time.GetElapsedTime(connectStarted);
                if (remaining <= TimeSpan.Zero)
                {
                    if (!established)
                    {
                        var detail = string.Join("; ", tried.Select(pair => $"{pair.Key} ({string.Join(", then ", pair.Value)})"));
                        _firstSession.TrySetException(new ZooKeeperException(
                            ZooKeeperErrorCode.ConnectionLoss,
                            null,
                            $"no ZooKeeper server established a session within {_options.ConnectTimeout.TotalSeconds:0.###} s ({attempts} attempts); tried {detail}"));
                        End(ZooKeeperConnectionState.Closed, "could not connect");
                    }
                    else
                    {
                        End(ZooKeeperConnectionState.Expired, $"no server could be reached within the session timeout of {SessionTimeout.TotalMilliseconds:0} ms");
                        await CloseLostSessionAsync(next).ConfigureAwait(false);
                    }

                    return;
                }

                var endpoint = servers[next];
                next = (next + 1) % servers.Count;
                var timeout = established ? SessionTimeout : _options.SessionTimeout;
                // Like ZooKeeper's client: a share of the timeout per server, but never so much that one stalled
                // handshake uses up a reconnect's whole window.
                var share = Math.Min(timeout.Ticks / servers.Count, timeout.Ticks * 2 / 3);
                var budget = TimeSpan.FromTicks(Math.Min(remaining.Ticks, Math.Max(share, TimeSpan.FromMilliseconds(500).Ticks)));
                using var attemptTimeout = new CancellationTokenSource(budget, _time);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token, attemptTimeout.Token);
                var name = $"{endpoint.Host}:{endpoint.Port}";
                attempts++;
                sentAt = _time.GetTimestamp();
                try
                {
                    var session = new SessionRequest(Volatile.Read(ref _lastZxid), (int)_options.SessionTimeout.TotalMilliseconds, SessionId, _password);
                    connection = await ZooKeeperConnection.OpenAsync(endpoint, session, _options.Auth, _options.MaxFrameLength, this, _time, _logger, attempt.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
                {
                    return;
                }
                catch (ZooKeeperException exception) when (exception.Code is ZooKeeperErrorCode.SessionExpired or ZooKeeperErrorCode.AuthFailed)
                {
                    if (!established)
                    {
                        _firstSession.TrySetException(new ZooKeeperException(exception.Code, null, $"{name}: {exception.Message}"));
                    }

                    End(exception.Code == ZooKeeperErrorCode.AuthFailed ? ZooKeeperConnectionState.AuthFailed : ZooKeeperConnectionState.Expired, exception.Message);
                    return;
                }
                catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ZooKeeperProtocolException)
                {
                    var reason = exception is OperationCanceledException ? $"no session within {budget.TotalMilliseconds:0} ms" : ZooKeeperConnection.Describe(exception);
                    // Distinct causes per server, so the last attempt, cut short by the deadline, does not hide the first.
                    if (!tried.TryGetValue(name, out var reasons))
                    {
                        tried[name] = reasons = [];
                    }

                    if (reasons.Count < 3 && !reasons.Contains(reason))
                    {
                        reasons.Add(reason);
                    }

                    ClientLog.ConnectFailed(_logger, name, reason);
                    if (++failedInRound >= servers.Count)
                    {
                        // Every server failed: pause a little (growing, with jitter) rather than spin on refused connections.
                        failedInRound = 0;
                        var pause = TimeSpan.FromMilliseconds(Math.Min(50 << Math.Min(round++, 3), 400) + Random.Shared.Next(50));
                        await Task.Delay(pause < remaining ? pause : remaining, _time, _lifetime.Token).ConfigureAwait(false);
                    }
                }
            }

            if (!Establish(connection, sentAt, established))
            {
                connection.Dispose();
                return;
            }

            established = true;
            _firstSession.TrySetResult();
            var (data, exist, child) = _watches.Paths();
            var watches = SetWatchesPlan.Create(Volatile.Read(ref _lastZxid), _chroot, data, exist, child);
            var why = await connection.RunAsync(_requests.Reader, watches, SessionTimeout, _lifetime.Token).ConfigureAwait(false);
            _connection = null;
            if (_lifetime.IsCancellationRequested || Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            ClientLog.ConnectionLost(_logger, connection.Name, SessionId, why);
            SetState(ZooKeeperConnectionState.Suspended);
        }
    }

    /// <summary>Adopts the session the server granted; false when the client ended meanwhile or the server changed the session.</summary>
    private bool Establish(ZooKeeperConnection connection, long sentAt, bool resumed)
    {
        var response = connection.Response;
        if (resumed && response.SessionId != SessionId)
        {
            End(ZooKeeperConnectionState.Expired, $"the server granted session 0x{response.SessionId:x} instead of resuming 0x{SessionId:x}");
            return false;
        }

        lock (_gate)
        {
            if (IsFinal(_state))
            {
                return false;
            }

            SessionId = response.SessionId;
            _password = response.Password;
            SessionTimeout = TimeSpan.FromMilliseconds(response.TimeoutMilliseconds);
            Volatile.Write(ref _lastAcknowledgedSend, sentAt);
            _connection = connection;
        }

        ClientLog.Connected(_logger, SessionId, connection.Name, response.TimeoutMilliseconds);
        SetState(ZooKeeperConnectionState.Connected);
        return true;
    }

    /// <summary>
    /// After the local deadline passed, the server may still hold the session (it counts from when it last heard from
    /// us), and with it our ephemeral nodes, which nobody owns any more. If a server answers within another session
    /// timeout, close the session there so that others need not wait for its expiry.
    /// </summary>
    private async Task CloseLostSessionAsync(int next)
    {
        var servers = _options.Servers;
        var started = _time.GetTimestamp();
        var closer = new NullOwner();
        while (!_disposing.IsCancellationRequested)
        {
            var remaining = SessionTimeout - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            var endpoint = servers[next];
            next = (next + 1) % servers.Count;
            using var attemptTimeout = new CancellationTokenSource(remaining, _time);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token, attemptTimeout.Token);
            try
            {
                var session = new SessionRequest(Volatile.Read(ref _lastZxid), (int)SessionTimeout.TotalMilliseconds, SessionId, _password);
                using var connection = await ZooKeeperConnection.OpenAsync(endpoint, session, [], _options.MaxFrameLength, closer, _time, _logger, attempt.Token).ConfigureAwait(false);
                await connection.CloseSessionAsync(attempt.Token).ConfigureAwait(false);
                ClientLog.LostSessionClosed(_logger, SessionId, connection.Name);
                return;
            }
            catch (ZooKeeperException exception) when (exception.Code == ZooKeeperErrorCode.SessionExpired)
            {
                return; // the server let it go already
            }
            catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ZooKeeperProtocolException or ZooKeeperException)
            {
                if (_disposing.IsCancellationRequested)
                {
                    return;
                }

                var pause = TimeSpan.FromMilliseconds(200 + Random.Shared.Next(100));
                await Task.Delay(pause < remaining ? pause : remaining, _time, _disposing.Token).ConfigureAwait(false);
            }
        }
    }

    private async Task CloseSessionAsync()
    {
        try
        {
            var request = new PendingRequest<bool>(Frame(OpCodes.CloseSession, null), null, static (_, ref _) => true);
            if (_requests.Writer.TryWrite(request))
            {
                // Real time on purpose: this bounds how long disposing may block, even under a fake clock that nobody advances.
                await request.Task.WaitAsync(TimeSpan.FromSeconds(1), TimeProvider.System).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is TimeoutException or ZooKeeperException or ObjectDisposedException)
        {
            ClientLog.CloseFailed(_logger, exception, SessionId);
        }
    }

    /// <summary>A request frame with a placeholder xid: length, xid, type, body.</summary>
    private static byte[] Frame<TState>(int opCode, TState state, Action<JuteWriter, TState>? body)
    {
        var writer = t_writer ??= new JuteWriter(1024);
        writer.Clear();
        var start = writer.BeginFrame();
        writer.WriteInt(0);
        writer.WriteInt(opCode);
        body?.Invoke(writer, state);
        writer.EndFrame(start);
        var frame = writer.WrittenSpan.ToArray();
        if (writer.Length > 4096)
        {
            t_writer = null; // do not keep a large buffer per thread
        }

        return frame;
    }

    private static byte[] Frame(int opCode, Action<JuteWriter>? body) =>
        Frame(opCode, body, static (writer, write) => write?.Invoke(writer));

    /// <summary>The owner of a connection that only closes a session: nothing is pending, nothing watched.</summary>
    private sealed class NullOwner : IConnectionOwner
    {
        public int NextXid() => 1;

        public void Acknowledged(long sentTimestamp, long zxid)
        {
        }

        public void WatchEvent(int type, int state, string? serverPath)
        {
        }

        public void SessionEnded(ZooKeeperConnectionState state, string reason)
        {
        }

        public Exception LostRequestError(string? path) => new ZooKeeperException(ZooKeeperErrorCode.ConnectionLoss, path);
    }

    [ThreadStatic]
    private static JuteWriter? t_writer;
}
