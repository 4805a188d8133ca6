using Baton.ZooKeeper.Client;

namespace Baton.Hostile.Tests.Support;

/// <summary>
/// A node prefix of its own on the shared ZooKeeper: the root's children never change, each held name is one node
/// directly under the prefix, and after release no lock node has a contender left.
/// </summary>
internal sealed class ZooKeeperNamespace : Namespace
{
    private readonly ZooKeeperClient _client;
    private readonly string _prefix = $"/hostile/{Guid.NewGuid():N}";
    private HashSet<string> _root = [];
    private HashSet<string> _lockNodes = [];

    private ZooKeeperNamespace(ZooKeeperClient client) => _client = client;

    public override string Url => $"{TestServers.ZooKeeper}?prefix={_prefix}&ttl=4s";

    public static async Task<ZooKeeperNamespace> CreateAsync()
    {
        var hostPort = TestServers.HostPort(TestServers.ZooKeeper);
        var colon = hostPort.LastIndexOf(':');
        var options = new ZooKeeperClientOptions
        {
            Servers = [new System.Net.DnsEndPoint(hostPort[..colon], int.Parse(hostPort[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture))],
            SessionTimeout = TimeSpan.FromSeconds(10),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        return new(await ZooKeeperClient.ConnectAsync(options, CancellationToken.None));
    }

    public override async Task SnapshotAsync()
    {
        _root = await ChildrenAsync("/");
        _lockNodes = await ChildrenAsync(_prefix);
    }

    public override async Task<IReadOnlyList<string>> ProblemsWhileHeldAsync(IReadOnlyCollection<string> names)
    {
        var problems = await RootChangesAsync();
        var lockNodes = (await ChildrenAsync(_prefix)).Count(n => n[0] != '.' && !_lockNodes.Contains(n));
        if (lockNodes != names.Count)
        {
            problems.Add($"{names.Count} names are held but the prefix has {lockNodes} lock nodes.");
        }

        return problems;
    }

    public override async Task<IReadOnlyList<string>> ProblemsAfterReleaseAsync(IReadOnlyCollection<string> names)
    {
        var problems = await RootChangesAsync();
        foreach (var node in (await ChildrenAsync(_prefix)).Where(n => n[0] != '.'))
        {
            if ((await ChildrenAsync($"{_prefix}/{node}")).Count > 0)
            {
                problems.Add($"The lock node {Show.Name(node)} still has contenders after release.");
            }
        }

        return problems;
    }

    public override ValueTask DisposeAsync() => _client.DisposeAsync();

    private async Task<List<string>> RootChangesAsync()
    {
        var root = await ChildrenAsync("/");
        return [.. root.Except(_root).Select(n => $"A node appeared at the root: {Show.Name(n)}.")];
    }

    private async Task<HashSet<string>> ChildrenAsync(string path) =>
        [.. (await _client.GetChildrenAsync(path, null, CancellationToken.None)).Children];
}
