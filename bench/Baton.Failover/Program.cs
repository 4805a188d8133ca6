using Baton.Failover;

// Elections and groups across processes on a network backend (bench/README.md):
//
//   dotnet run -c Release --project bench/Baton.Failover -- failover URL [RUNS]
//       a leader process is killed with kill -9 while this process campaigns: the time from the kill until this
//       process leads (the dead leader's lease or session must end first), RUNS times (default 5)
//   dotnet run -c Release --project bench/Baton.Failover -- membership URL [RUNS]
//       a member process joins and leaves a group while this process watches it: the time from the start of the
//       join (or leave) call in the member until the watcher here sees Joined (or Left), RUNS times (default 50)
//
// The TTL is the URL's (?ttl=2s); both processes run on this machine, whose monotonic clock they share.
if (args is ["--child", var role, var childUrl, var name])
{
    return await Child.RunAsync(role, childUrl, name);
}

if (args is not [var measure and ("failover" or "membership"), var url, ..])
{
    await Console.Error.WriteLineAsync("usage: Baton.Failover failover|membership URL [RUNS]");
    return 64;
}

var runs = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : measure == "failover" ? 5 : 50;
await (measure == "failover" ? Measures.FailoverAsync(url, runs) : Measures.MembershipAsync(url, runs));
return 0;
