using System.Diagnostics;

namespace Baton.ZooKeeper.Tests.Backend;

/// <summary>
/// A Python process taking one of kazoo's recipes (Debian's <c>python3-kazoo</c>, the reference of the node layout):
/// it prints <c>waiting</c>, then <c>locked</c> once it holds, releases when a line arrives on its stdin and
/// prints <c>released</c>.
/// </summary>
internal sealed class KazooProcess : IAsyncDisposable
{
    private const string Script = """
        import sys
        from kazoo.client import KazooClient
        hosts, path, kind, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
        zk = KazooClient(hosts=hosts)
        zk.start(timeout=15)
        recipes = {
            'lock': lambda: zk.Lock(path, 'kazoo-peer'),
            'write': lambda: zk.WriteLock(path, 'kazoo-peer'),
            'read': lambda: zk.ReadLock(path, 'kazoo-peer'),
            'semaphore': lambda: zk.Semaphore(path, 'kazoo-peer', max_leases=count),
        }
        if kind == 'election':
            # kazoo's election is its lock on the path: the leader is the lock's holder.
            election = zk.Election(path, 'kazoo-peer')
            print('contenders ' + '|'.join(election.contenders()), flush=True)
            def lead():
                print('locked', flush=True)
                sys.stdin.readline()
            print('waiting', flush=True)
            election.run(lead)
            print('released', flush=True)
            zk.stop()
            sys.exit(0)
        lock = recipes[kind]()
        print('waiting', flush=True)
        if not lock.acquire(timeout=60):
            print('timeout', flush=True)
            sys.exit(75)
        print('locked', flush=True)
        sys.stdin.readline()
        lock.release()
        print('released', flush=True)
        zk.stop()
        """;

    private readonly Process _process;

    private KazooProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    /// <summary>For an election: the identifiers kazoo's <c>Election.contenders()</c> listed before it joined, joined by '|'.</summary>
    public string? Contenders { get; private set; }

    /// <summary>Starts a kazoo recipe (<c>lock</c>, <c>write</c>, <c>read</c>, <c>semaphore</c> or <c>election</c>) on <paramref name="path"/>.</summary>
    public static async Task<KazooProcess> StartAsync(string path, string kind, int count = 1)
    {
        var info = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-c", Script, ZooKeeperUrls.HostPort, path, kind, count.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        var kazoo = new KazooProcess(Process.Start(info) ?? throw new InvalidOperationException("python3 did not start."));
        if (kind == "election")
        {
            kazoo.Contenders = (await kazoo.WaitForLineAsync("contenders ", prefix: true))["contenders ".Length..];
        }

        await kazoo.WaitForLineAsync("waiting");
        return kazoo;
    }

    /// <summary>Reads output lines until one equals <paramref name="line"/> (or, with <paramref name="prefix"/>, starts with it); returns it.</summary>
    public async Task<string> WaitForLineAsync(string line, bool prefix = false)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await _process.StandardOutput.ReadLineAsync(cancel.Token) is { } read)
        {
            if (prefix ? read.StartsWith(line, StringComparison.Ordinal) : read.Trim() == line)
            {
                return read;
            }
        }

        throw new InvalidOperationException($"kazoo ended without printing '{line}': {await _process.StandardError.ReadToEndAsync()}");
    }

    /// <summary>Lets the holder release, and waits until it has.</summary>
    public async Task ReleaseAsync()
    {
        await _process.StandardInput.WriteLineAsync();
        await _process.StandardInput.FlushAsync();
        await WaitForLineAsync("released");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
