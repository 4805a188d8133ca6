namespace Baton.ZooKeeper.Client;

/// <summary>A server sent something that is not the ZooKeeper protocol; the connection is dropped.</summary>
internal sealed class ZooKeeperProtocolException : Exception
{
    public ZooKeeperProtocolException()
    {
    }

    public ZooKeeperProtocolException(string message)
        : base(message)
    {
    }

    public ZooKeeperProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
