namespace Baton.Cli.Tests;

/// <summary>The etcd and ZooKeeper servers the test script starts (scripts/servers/*.sh), as URLs of a test's own.</summary>
internal static class ClusterServers
{
    /// <summary>The test server's URL with a key prefix of this test's own and a short session.</summary>
    /// <param name="backend"><c>etcd</c> or <c>zookeeper</c>.</param>
    public static string TestUrl(string backend)
    {
        var url = Baton.Conformance.Servers.TestServerUrls.Find(backend);
        return backend == "etcd"
            ? $"{url}?prefix=baton-cli-test/{Guid.NewGuid():N}/&ttl=5s"
            : $"{url}?prefix=/baton-cli-test/{Guid.NewGuid():N}&ttl=4s";
    }

    /// <summary>
    /// Deletes every key under an etcd test URL's prefix with etcdctl, as an operator clearing a stuck name by hand
    /// would: each holder sees its key deleted, which the etcd backend reports as a break.
    /// </summary>
    /// <param name="url">A URL from <see cref="TestUrl"/> for etcd.</param>
    public static async Task DeleteEtcdKeysAsync(string url)
    {
        var endpoint = new Uri(Baton.Conformance.Servers.TestServerUrls.Etcd).Authority;
        var query = url[(url.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&');
        var prefix = query.Single(p => p.StartsWith("prefix=", StringComparison.Ordinal))["prefix=".Length..];
        var startInfo = new System.Diagnostics.ProcessStartInfo("etcdctl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[$"--endpoints={endpoint}", "del", "--prefix", prefix])
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["ETCDCTL_API"] = "3";
        using var etcdctl = System.Diagnostics.Process.Start(startInfo)!;
        var error = etcdctl.StandardError.ReadToEndAsync();
        var output = await etcdctl.StandardOutput.ReadToEndAsync();
        await etcdctl.WaitForExitAsync();
        if (etcdctl.ExitCode != 0 || output.Trim() == "0")
        {
            throw new InvalidOperationException($"etcdctl del --prefix {prefix} exited {etcdctl.ExitCode}, deleted {output.Trim()}: {await error}");
        }
    }
}
