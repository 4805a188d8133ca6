// The main job until the `baton` command lands: take a named lock, show who holds it and who
// waits, hand it over to a waiting task, and release everything. Without a URL it uses the
// embedded default, lock files in a per-user directory (Coordinator.DefaultBackendUrl).
//
//   dotnet run --project samples/Baton.Sample [-- BACKEND_URL [NAME]]
using Baton;

var backendUrl = args.Length > 0 ? args[0] : null;
var name = args.Length > 1 ? args[1] : "sample/resource";

await using var coordinator = await Coordinator.ConnectAsync(
    backendUrl, new CoordinatorOptions { MemberId = "sample" });
Console.WriteLine($"Connected to {coordinator}");

var resourceLock = coordinator.CreateLock(name);
await using (var held = await resourceLock.AcquireAsync(TimeSpan.FromSeconds(10)))
{
    Console.WriteLine($"Acquired '{held.Name}' with fencing token {held.FencingToken}");

    // A second worker queues behind us; the listing shows both.
    var waiter = resourceLock.AcquireAsync(TimeSpan.FromSeconds(10)).AsTask();
    foreach (var info in await coordinator.ListLocksAsync())
    {
        foreach (var holder in info.Holders)
        {
            Console.WriteLine($"  '{info.Name}' held {holder.Mode} by {holder.Member} since {holder.Since:HH:mm:ss.fff}, token {holder.FencingToken}");
        }

        foreach (var w in info.Waiters)
        {
            Console.WriteLine($"  '{info.Name}' awaited {w.Mode} by {w.Member} since {w.Since:HH:mm:ss.fff}");
        }
    }

    await held.ReleaseAsync();
    await using var next = await waiter;
    Console.WriteLine($"Handed over: the waiter now holds it with fencing token {next.FencingToken} (> {held.FencingToken})");
}

Console.WriteLine(await coordinator.ListLocksAsync() is { Count: 0 } ? "Released: nothing held." : "Still held?");
