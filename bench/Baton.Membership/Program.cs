// Baton.Membership — how fast elections and groups notice a change, across real processes:
//
//   failover URL [--samples N]       a child process leads; this process campaigns behind it; kill -9 the child;
//                                    time from the kill until this process leads
//   membership URL [--samples N]     this process watches a group; a child joins and leaves on command; time from
//                                    just before the child's JoinAsync/LeaveAsync until this process's WatchAsync
//                                    yields Joined/Left (both processes read the same monotonic clock)
//   crash URL [--samples N]          a child joins; kill -9 it; time from the kill until the watch yields Left
//   uncontended URL [--cycles N] [--rounds R]
//                                    acquire+release of one free lock, each cycle timed; median and p99 per round
//
// Run alone in Release on a quiet machine, e.g.
//   dotnet run -c Release --project bench/Baton.Membership -- failover 'redis://127.0.0.1:46379?ttl=2s' --samples 10
// Each command prints one line per sample and a summary line "median … min … max …".
// The children are this program again (child-elect URL NAME, child-join URL NAME), which take commands on stdin.

using Baton.Membership;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Baton.Membership failover|membership|crash|uncontended URL [--samples N] [--cycles N] [--rounds R]");
    return 64;
}

Baton.Redis.RedisBackendProvider.Register();
var command = args[0];
var url = args[1];
var samples = Option(args, "--samples", 10);
switch (command)
{
    case "failover":
        await Measures.FailoverAsync(url, samples);
        return 0;
    case "membership":
        await Measures.MembershipAsync(url, samples);
        return 0;
    case "crash":
        await Measures.CrashAsync(url, samples);
        return 0;
    case "uncontended":
        await Measures.UncontendedAsync(url, Option(args, "--cycles", 5000), Option(args, "--rounds", 3));
        return 0;
    case "child-elect":
        await Children.ElectAsync(url, args[2]);
        return 0;
    case "child-join":
        await Children.JoinAsync(url, args[2]);
        return 0;
    default:
        Console.Error.WriteLine($"unknown command '{command}'");
        return 64;
}

static int Option(string[] args, string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
}
