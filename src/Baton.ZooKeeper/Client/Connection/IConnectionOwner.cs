namespace Baton.ZooKeeper.Client.Connection;

/// <summary>What a connection reports to its session, from its receive loop (so never blocking).</summary>
internal interface IConnectionOwner
{
    /// <summary>The next xid: positive, increasing, unique on the connection.</summary>
    int NextXid();

    /// <summary>A request or ping sent at <paramref name="sentTimestamp"/> got its reply: the session lived until then.</summary>
    void Acknowledged(long sentTimestamp, long zxid);

    /// <summary>A watch event arrived (path as the server sent it).</summary>
    void WatchEvent(int type, int state, string? serverPath);

    /// <summary>The server said the session is gone, or refused the credentials (a final state).</summary>
    void SessionEnded(ZooKeeperConnectionState state, string reason);

    /// <summary>The exception for a request whose connection is gone: ConnectionLoss, or the session's final error.</summary>
    Exception LostRequestError(string? path);
}
