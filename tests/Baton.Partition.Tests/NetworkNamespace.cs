namespace Baton.Partition.Tests;

/// <summary>
/// A network namespace of the test's own, joined to this one by a veth pair on a private /30 (10.231.N.0): the
/// holder runs inside, and <see cref="Cut"/> drops every packet between it and this side with nftables, as a
/// network partition does. Connections from inside to this side's address reach the servers listening on
/// 127.0.0.1 (the test servers listen nowhere else) through address translation, so TCP runs end to end and each
/// side's operating system sees the silence itself. Nothing leaves the machine.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private const string CutTable = "baton_partition";
    private readonly string _ip;
    private readonly string _nft;
    private readonly string _forwardTable;

    private NetworkNamespace(string name, int subnet, string ip, string nft)
    {
        Name = name;
        _forwardTable = $"baton_forward_{subnet}_{Environment.ProcessId}";
        HostAddress = $"10.231.{subnet}.1";
        InnerAddress = $"10.231.{subnet}.2";
        _ip = ip;
        _nft = nft;
    }

    /// <summary>The namespace's name (for <c>ip netns exec</c>).</summary>
    public string Name { get; }

    /// <summary>This side's address on the pair: what the holder inside connects to.</summary>
    public string HostAddress { get; }

    /// <summary>The namespace's address on the pair.</summary>
    public string InnerAddress { get; }

    /// <summary>The command that runs a program inside the namespace, in place (<c>ip netns exec</c> execs it).</summary>
    public IReadOnlyList<string> LaunchPrefix => [_ip, "netns", "exec", Name];

    /// <summary>Makes a namespace with a veth pair; fails, with what to install, when the tools are missing.</summary>
    public static NetworkNamespace Create()
    {
        var ip = Commands.Find("ip") ?? throw new InvalidOperationException("ip (Debian's iproute2) is not installed; scripts/test.sh installs it.");
        var nft = Commands.Find("nft") ?? throw new InvalidOperationException("nft (Debian's nftables) is not installed; scripts/test.sh installs it.");
        // Names and subnets unique to this process and call, so parallel runs and leftovers never clash.
        var subnet = PickFreeSubnet();
        var name = $"baton-p{Environment.ProcessId}-{subnet}";
        var space = new NetworkNamespace(name, subnet, ip, nft);
        var outer = $"bp{subnet}o{Environment.ProcessId % 10000}";
        var inner = $"bp{subnet}i{Environment.ProcessId % 10000}";
        Commands.Run(ip, "netns", "add", name);
        try
        {
            Commands.Run(ip, "link", "add", outer, "type", "veth", "peer", "name", inner);
            Commands.Run(ip, "link", "set", inner, "netns", name);
            Commands.Run(ip, "addr", "add", $"{space.HostAddress}/30", "dev", outer);
            Commands.Run(ip, "link", "set", outer, "up");
            Commands.Run(ip, "netns", "exec", name, ip, "addr", "add", $"{space.InnerAddress}/30", "dev", inner);
            Commands.Run(ip, "netns", "exec", name, ip, "link", "set", inner, "up");
            Commands.Run(ip, "netns", "exec", name, ip, "link", "set", "lo", "up");
            space.ForwardToLoopback(outer);
        }
        catch
        {
            space.Dispose();
            throw;
        }

        return space;
    }

    /// <summary>
    /// A /30 that no interface here has an address in. A deleted namespace lingers, with its pair's end on this side
    /// and that end's address, while the kernel still has sockets of it: a killed holder's connections, cut off,
    /// retransmit for minutes. A new pair on the same /30 would have its answers routed to the lingering one.
    /// </summary>
    private static int PickFreeSubnet()
    {
        var used = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address.GetAddressBytes())
            .Where(b => b.Length == 4 && b[0] == 10 && b[1] == 231)
            .Select(b => (int)b[2])
            .ToHashSet();
        int[] free = [.. Enumerable.Range(1, 254).Where(n => !used.Contains(n))];
        return free.Length > 0
            ? free[Random.Shared.Next(free.Length)]
            : throw new InvalidOperationException("Every 10.231.N.0/30 here is taken by lingering test namespaces; wait a few minutes for them to end.");
    }

    /// <summary>Drops, inside the namespace, every packet to or from this side: a silent partition (no resets).</summary>
    public void Cut() => Commands.RunWithInput(_ip, $$"""
        table inet {{CutTable}} {
            chain input { type filter hook input priority 0; policy accept; ip saddr {{HostAddress}} drop; }
            chain output { type filter hook output priority 0; policy accept; ip daddr {{HostAddress}} drop; }
        }
        """, "netns", "exec", Name, _nft, "-f", "-");

    /// <summary>Ends the partition.</summary>
    public void Heal() => Commands.Run(_ip, "netns", "exec", Name, _nft, "delete", "table", "inet", CutTable);

    /// <summary>
    /// Heals the cut, so the connections its processes left end now rather than after minutes of retransmissions, then
    /// deletes the namespace (its end of the veth pair goes with it, and so does the other end) and the translation.
    /// </summary>
    public void Dispose()
    {
        string[][] commands =
        [
            [_ip, "netns", "exec", Name, _nft, "delete", "table", "inet", CutTable],
            [_ip, "netns", "delete", Name],
            [_nft, "delete", "table", "ip", _forwardTable],
        ];
        foreach (var command in commands)
        {
            try
            {
                Commands.Run(command[0], command[1..]);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }

    /// <summary>
    /// Sends what arrives from the namespace for this side's address to 127.0.0.1 (same port), from 127.0.0.1: the
    /// servers then see a local client, as their access rules expect. route_localnet lets the pair's interface carry
    /// loopback addresses at all.
    /// </summary>
    private void ForwardToLoopback(string outerInterface)
    {
        File.WriteAllText($"/proc/sys/net/ipv4/conf/{outerInterface}/route_localnet", "1");
        Commands.RunWithInput(_nft, $$"""
            table ip {{_forwardTable}} {
                chain prerouting { type nat hook prerouting priority -100; iifname "{{outerInterface}}" ip daddr {{HostAddress}} dnat to 127.0.0.1; }
                chain input { type nat hook input priority 100; ip saddr {{InnerAddress}} snat to 127.0.0.1; }
            }
            """, "-f", "-");
    }
}
