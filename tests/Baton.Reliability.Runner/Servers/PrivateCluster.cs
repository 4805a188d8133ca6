using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Baton.Reliability.Servers;

/// <summary>
/// A three-member etcd cluster or ZooKeeper ensemble of the run's own, whose leader (or every member) the run kills
/// (SIGKILL) and starts again. Every member is killed by its process id and its data removed at dispose.
/// </summary>
internal sealed class PrivateCluster : IAsyncDisposable
{
    private const int Size = 3;
    private static readonly TimeSpan LeaderPatience = TimeSpan.FromSeconds(30);

    private readonly string _scheme;
    private readonly ClusterMember[] _members;

    private PrivateCluster(string scheme, ClusterMember[] members)
    {
        _scheme = scheme;
        _members = members;
    }

    /// <summary>The backend URL listing every member, without query options.</summary>
    public string Url => UrlFor(0);

    /// <summary>Starts a cluster for the scheme of <paramref name="url"/> and waits until every member serves.</summary>
    /// <exception cref="ArgumentException">The scheme is neither etcd nor zookeeper.</exception>
    public static async Task<PrivateCluster> StartAsync(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var scheme = url.Split("://")[0];
        var cluster = new PrivateCluster(scheme, scheme switch
        {
            "etcd" => EtcdMembers(),
            "zookeeper" => ZooKeeperMembers(),
            _ => throw new ArgumentException($"A cluster needs an etcd or zookeeper backend, not '{scheme}'.", nameof(url)),
        });
        try
        {
            foreach (var member in cluster._members)
            {
                member.LaunchAlongside();
            }

            foreach (var member in cluster._members)
            {
                await member.WaitServingAsync();
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The URL for the <paramref name="client"/>-th client: every member, listed from a different one first, so that the
    /// clients (which connect to the first member that answers) spread over the members and some talk to the leader.
    /// </summary>
    public string UrlFor(int client)
    {
        var first = client % _members.Length;
        var endpoints = _members.Skip(first).Concat(_members.Take(first)).Select(m => m.Endpoint);
        return $"{_scheme}://{string.Join(',', endpoints)}";
    }

    /// <summary>The index of the member that leads now, waiting for an election to end; <paramref name="except"/> is not asked.</summary>
    /// <exception cref="TimeoutException">No member said it leads within 30 s.</exception>
    public async Task<int> LeaderAsync(int except = -1)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < LeaderPatience)
        {
            for (var i = 0; i < _members.Length; i++)
            {
                if (i != except && await _members[i].IsLeaderAsync())
                {
                    return i;
                }
            }

            // Nothing tells of an election's end but the members' answers.
            await Task.Delay(50);
        }

        throw new TimeoutException($"No member of {Url} said it leads within {LeaderPatience.TotalSeconds:0} s.");
    }

    /// <summary>kill -9 of one member.</summary>
    public Task CrashAsync(int member) => _members[member].CrashAsync();

    /// <summary>Starts a crashed member again on its port and data, and waits until it serves: the cluster is whole again.</summary>
    public Task StartAgainAsync(int member) => _members[member].StartAgainAsync();

    /// <summary>kill -9 of every member at once.</summary>
    public Task CrashAllAsync() => Task.WhenAll(_members.Select(m => m.CrashAsync()));

    /// <summary>
    /// Starts every member again on its port and data, and waits until each serves. All at once: a member serves only
    /// once a majority is up to elect a leader.
    /// </summary>
    public Task StartAllAgainAsync() => Task.WhenAll(_members.Select(m => m.StartAgainAsync()));

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.DisposeAsync();
        }
    }

    private static ClusterMember[] EtcdMembers()
    {
        var ports = Enumerable.Range(0, Size).Select(_ => (Client: FreePort(IPAddress.Loopback), Peer: FreePort(IPAddress.Loopback))).ToArray();
        var cluster = string.Join(',', ports.Select((p, i) => EtcdClusterMember.PeerEntry($"m{i}", p.Peer)));
        var token = $"baton-reliability-{Guid.NewGuid():N}";
        return [.. ports.Select((p, i) => new EtcdClusterMember($"m{i}", p.Client, p.Peer, cluster, token))];
    }

    private static ClusterMember[] ZooKeeperMembers()
    {
        // An address of its own in 127/8: while a killed server is down, no other process of this shared machine (another
        // run's servers, a client's ephemeral port) can take its ports, so its restart finds them free.
        var host = new IPAddress([127, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]);
        var ports = Enumerable.Range(0, Size).Select(_ => (Client: FreePort(host), Peer: FreePort(host), Election: FreePort(host))).ToArray();
        var servers = string.Concat(ports.Select((p, i) => $"server.{i + 1}={host}:{p.Peer}:{p.Election}\n"));
        return [.. ports.Select((p, i) => new ZooKeeperEnsembleMember(i + 1, host, p.Client, servers))];
    }

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
