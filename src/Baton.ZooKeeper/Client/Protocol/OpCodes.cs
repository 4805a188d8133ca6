namespace Baton.ZooKeeper.Client.Protocol;

/// <summary>Request types of the wire protocol (ZooDefs.OpCode).</summary>
internal static class OpCodes
{
    public const int Error = -1;
    public const int Create = 1;
    public const int Delete = 2;
    public const int Exists = 3;
    public const int GetData = 4;
    public const int SetData = 5;
    public const int Sync = 9;
    public const int Ping = 11;
    public const int GetChildren2 = 12;
    public const int Check = 13;
    public const int Multi = 14;
    public const int Create2 = 15;
    public const int CreateContainer = 19;
    public const int Auth = 100;
    public const int SetWatches = 101;
    public const int CloseSession = -11;
}

/// <summary>The reserved xids of replies that answer no numbered request.</summary>
internal static class Xids
{
    public const int WatchEvent = -1;
    public const int Ping = -2;
    public const int Auth = -4;
    public const int SetWatches = -8;
}
