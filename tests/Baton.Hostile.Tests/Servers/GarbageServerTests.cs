using System.Diagnostics;
using Baton.Hostile.Tests.Support;
using Xunit;

namespace Baton.Hostile.Tests.Servers;

/// <summary>
/// Each network backend against a fake server on 127.0.0.1 that sends random bytes, never answers, closes at once, or
/// announces a huge length in the protocol's own framing: connecting (and the first acquisition, were it to connect)
/// ends in a BackendUnavailableException within the connect timeout the test sets, naming the server and never the
/// password; cancelling a connection that hangs is honoured. Every test bounds its own wait, so a hang is a failure.
/// (MalformedServerTests covers the ZooKeeper client against broken handshakes, huge frames included.)
/// </summary>
public sealed class GarbageServerTests
{
    private const string Secret = "Zq9-s3cr3t";
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Time beyond the connect timeout for a loaded machine to report the failure.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(3);

    public static TheoryData<string, Misbehaviour> Cases
    {
        get
        {
            var cases = new TheoryData<string, Misbehaviour>();
            foreach (var protocol in new[] { "redis", "postgres", "etcd", "zookeeper" })
            {
                foreach (var misbehaviour in Enum.GetValues<Misbehaviour>())
                {
                    if (!(protocol == "zookeeper" && misbehaviour == Misbehaviour.HugeLength))
                    {
                        cases.Add(protocol, misbehaviour);
                    }
                }
            }

            return cases;
        }
    }

    public static TheoryData<string> Protocols => ["redis", "postgres", "etcd", "zookeeper"];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ConnectAsync_MisbehavingServer_BackendUnavailableWithinTheConnectTimeout(string protocol, Misbehaviour misbehaviour)
    {
        await using var server = new GarbageServer(protocol, misbehaviour, Seed.Value);
        var clock = Stopwatch.StartNew();

        var error = await ConnectAndAcquireAsync(Url(protocol, server.Port), new CoordinatorOptions { ConnectTimeout = ConnectTimeout }, CancellationToken.None);

        Assert.True(
            error is BackendUnavailableException,
            $"{protocol} against a server that {misbehaviour}: expected a BackendUnavailableException, got {error?.ToString() ?? "a connection"}; {Seed.Replay}.");
        Assert.True(clock.Elapsed < ConnectTimeout + Slack, $"The failure took {clock.Elapsed} with a connect timeout of {ConnectTimeout}.");
        Assert.True(server.Accepted > 0, "The client never connected to the fake server.");
        Assert.Contains($"127.0.0.1:{server.Port}", error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ConnectAsync_SilentServerCancelled_OperationCanceledPromptly(string protocol)
    {
        await using var server = new GarbageServer(protocol, Misbehaviour.Silent, Seed.Value);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        var error = await ConnectAndAcquireAsync(Url(protocol, server.Port), new CoordinatorOptions { ConnectTimeout = TimeSpan.FromMinutes(5) }, cancel.Token);

        Assert.True(error is OperationCanceledException, $"{protocol}: expected an OperationCanceledException, got {error?.ToString() ?? "a connection"}.");
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(300) + Slack, $"Cancelling took {clock.Elapsed}.");
    }

    internal static string Url(string protocol, int port) => protocol switch
    {
        "redis" => $"redis://:{Secret}@127.0.0.1:{port}",
        "postgres" => $"postgres://baton:{Secret}@127.0.0.1:{port}/db",
        "etcd" => $"etcd://127.0.0.1:{port}?username=root&password={Secret}",
        "zookeeper" => $"zookeeper://baton:{Secret}@127.0.0.1:{port}",
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, null),
    };

    /// <summary>Connects and tries one lock; what was thrown, or null when both worked. Bounded: a hang fails the test.</summary>
    internal static Task<Exception?> ConnectAndAcquireAsync(string url, CoordinatorOptions options, CancellationToken cancellationToken) =>
        Record.ExceptionAsync(async () =>
        {
            await using var coordinator = await Coordinator.ConnectAsync(url, options, cancellationToken);
            await using var handle = await coordinator.CreateLock("x").TryAcquireAsync(TimeSpan.FromSeconds(1), cancellationToken);
        }).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
}
