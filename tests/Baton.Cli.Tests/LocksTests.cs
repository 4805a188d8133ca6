using Xunit;

namespace Baton.Cli.Tests;

/// <summary>`baton locks`: holders and waiters, as JSON and as a table.</summary>
public sealed class LocksTests : IDisposable
{
    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task Locks_Json_ShowsTheHolderAndTheWaiterWhileTheyExist()
    {
        await using var holder = BatonProcess.Start("run", "orders/42", "--backend", _locks.Url, "--", "sh", "-c", "echo \"held $BATON_FENCING_TOKEN\"; read line");
        var token = long.Parse((await holder.WaitForLineAsync("held "))["held ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        await using var waiter = BatonProcess.Start("run", "orders/42", "--shared", "--backend", _locks.Url, "--", "true");

        var view = await LocksJson.WaitForAsync(_locks.Url, "orders/42", l => l.Waiters.Count == 1);

        Assert.Equal("lock", view!.Kind);
        var held = Assert.Single(view.Holders);
        Assert.Equal(holder.Id, held.Pid);
        Assert.Equal("exclusive", held.Mode);
        Assert.Equal(token, held.FencingToken);
        Assert.Equal(Environment.MachineName, held.Host);
        Assert.True(held.Seconds >= 0);
        var waiting = Assert.Single(view.Waiters);
        Assert.Equal(waiter.Id, waiting.Pid);
        Assert.Equal("shared", waiting.Mode);

        await holder.WriteLineAsync("done");
        Assert.Equal(0, await holder.WaitForExitAsync());
        Assert.Equal(0, await waiter.WaitForExitAsync());
        Assert.Empty(await LocksJson.ReadAsync(_locks.Url));
    }

    [Fact]
    public async Task Locks_Table_ShowsHolderWithHeader()
    {
        await using var holder = BatonProcess.Start("run", "nightly", "--backend", _locks.Url, "--", "sh", "-c", "echo held; read line");
        await holder.WaitForLineAsync("held");

        var (exitCode, output, _) = await BatonProcess.RunAsync("locks", "--backend", _locks.Url);

        Assert.Equal(0, exitCode);
        var lines = output.Split('\n');
        Assert.StartsWith("NAME", lines[0], StringComparison.Ordinal);
        Assert.Contains("PROCESS", lines[0], StringComparison.Ordinal);
        var row = Assert.Single(lines, l => l.StartsWith("nightly ", StringComparison.Ordinal));
        Assert.Contains(" held ", row, StringComparison.Ordinal);
        Assert.Contains(" exclusive ", row, StringComparison.Ordinal);
        Assert.Contains($" {holder.Id} ", row, StringComparison.Ordinal);
        await holder.WriteLineAsync("done");
        Assert.Equal(0, await holder.WaitForExitAsync());
    }

    [Fact]
    public async Task Locks_GroupMembers_ListedAsKindGroup_ApartFromTheLockOfTheSameName()
    {
        await using var member = BatonProcess.Start("join", "deploy", "--id", "worker-1", "--backend", _locks.Url, "--", "sh", "-c", "echo joined; read line");
        await member.WaitForLineAsync("joined");
        await using var holder = BatonProcess.Start("run", "deploy", "--backend", _locks.Url, "--", "sh", "-c", "echo held; read line");
        await holder.WaitForLineAsync("held");

        var locks = await LocksJson.ReadAsync(_locks.Url);
        var (jsonExit, json, _) = await BatonProcess.RunAsync("locks", "--json", "--backend", _locks.Url);
        var (tableExit, table, _) = await BatonProcess.RunAsync("locks", "--backend", _locks.Url);

        Assert.Equal([("deploy", "lock"), ("deploy", "group")], locks.Select(l => (l.Name, l.Kind))); // locks first
        var membership = Assert.Single(locks[1].Holders);
        Assert.Equal(member.Id, membership.Pid);
        Assert.Equal("shared", membership.Mode);
        Assert.Equal(0, jsonExit);
        using (var document = System.Text.Json.JsonDocument.Parse(json))
        {
            var group = document.RootElement.GetProperty("locks")[1];
            Assert.Equal(1, group.GetProperty("maxCount").GetInt32());
            Assert.Equal("worker-1", group.GetProperty("holders")[0].GetProperty("member").GetProperty("id").GetString());
        }

        Assert.Equal(0, tableExit);
        var row = Assert.Single(table.Split('\n'), l => l.Contains(" group ", StringComparison.Ordinal));
        Assert.StartsWith("deploy ", row, StringComparison.Ordinal);
        Assert.EndsWith(" worker-1", row, StringComparison.Ordinal);

        foreach (var process in (BatonProcess[])[member, holder])
        {
            await process.WriteLineAsync("done");
            Assert.Equal(0, await process.WaitForExitAsync());
        }

        Assert.Empty(await LocksJson.ReadAsync(_locks.Url));
    }

    [Fact]
    public async Task Locks_NothingHeld_SaysSoAndJsonHasEmptyList()
    {
        var (exitCode, output, _) = await BatonProcess.RunAsync("locks", "--backend", _locks.Url);
        Assert.Equal(0, exitCode);
        Assert.StartsWith("No lock is held or awaited", output, StringComparison.Ordinal);
        Assert.Empty(await LocksJson.ReadAsync(_locks.Url));
    }

    [Fact]
    public async Task Locks_UnreachableBackend_Exits69()
    {
        var blocker = _locks.File("a-regular-file");
        await File.WriteAllTextAsync(blocker, "x");
        var (exitCode, _, _) = await BatonProcess.RunAsync("locks", "--json", "--backend", $"file://{blocker}/locks");
        Assert.Equal(69, exitCode);
    }
}
