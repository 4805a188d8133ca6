using System.Globalization;
using Xunit;

namespace Baton.Cli.Tests;

/// <summary>`baton run` excludes other runs of the same name: exclusive runs never overlap; shared runs overlap each other only.</summary>
public sealed class RunExclusionTests : IDisposable
{
    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task Run_FourProcessesTwentyFiveRunsEach_NeverOverlapAndTokensIncrease()
    {
        const int Workers = 4, Runs = 25;
        var counter = _locks.File("counter");
        var tokens = _locks.File("tokens");
        await File.WriteAllTextAsync(counter, "0\n");

        // Read, then write: two overlapping runs would lose an increment.
        const string Increment = "n=$(cat \"$1\"); echo \"$BATON_FENCING_TOKEN\" >> \"$2\"; echo $((n + 1)) > \"$1\"";
        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < Runs; i++)
            {
                var (exitCode, _, error) = await BatonProcess.RunAsync("run", "counter", "--backend", _locks.Url, "--", "sh", "-c", Increment, "sh", counter, tokens);
                Assert.True(exitCode == 0, $"exit {exitCode}: {error}");
            }
        }));
        await Task.WhenAll(workers);

        Assert.Equal(Workers * Runs, int.Parse((await File.ReadAllTextAsync(counter)).Trim(), CultureInfo.InvariantCulture));
        var written = (await File.ReadAllLinesAsync(tokens)).Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Workers * Runs, written.Count);
        for (var i = 1; i < written.Count; i++)
        {
            Assert.True(written[i] > written[i - 1], $"token {written[i]} after {written[i - 1]} (run {i})");
        }
    }

    [Fact]
    public async Task Run_Shared_OverlapsSharedRunsButExcludesExclusiveRuns()
    {
        await using (var reader = BatonProcess.Start("run", "cache", "--shared", "--backend", _locks.Url, "--", "sh", "-c", "echo held; read line"))
        {
            await reader.WaitForLineAsync("held");

            var (sharedExit, _, sharedError) = await BatonProcess.RunAsync("run", "cache", "--shared", "--timeout", "0", "--backend", _locks.Url, "--", "true");
            Assert.True(sharedExit == 0, $"a second reader must get in: exit {sharedExit}, {sharedError}");
            var (exclusiveExit, _, _) = await BatonProcess.RunAsync("run", "cache", "--timeout", "0", "--backend", _locks.Url, "--", "true");
            Assert.Equal(75, exclusiveExit);

            await reader.WriteLineAsync("done");
            Assert.Equal(0, await reader.WaitForExitAsync());
        }

        await using var writer = BatonProcess.Start("run", "cache", "--backend", _locks.Url, "--", "sh", "-c", "echo held; read line");
        await writer.WaitForLineAsync("held");
        var (readerExit, _, _) = await BatonProcess.RunAsync("run", "cache", "--shared", "--timeout", "0", "--backend", _locks.Url, "--", "true");
        Assert.Equal(75, readerExit);
        await writer.WriteLineAsync("done");
        Assert.Equal(0, await writer.WaitForExitAsync());

        var (afterExit, _, _) = await BatonProcess.RunAsync("run", "cache", "--shared", "--timeout", "0", "--backend", _locks.Url, "--", "true");
        Assert.Equal(0, afterExit);
    }

    [Fact]
    public async Task Run_Waiter_RunsAfterTheHolderEnds()
    {
        var order = _locks.File("order");
        await using var holder = BatonProcess.Start("run", "job", "--backend", _locks.Url, "--", "sh", "-c", $"echo held; read line; echo first >> {order}");
        await holder.WaitForLineAsync("held");
        await using var waiter = BatonProcess.Start("run", "job", "--backend", _locks.Url, "--", "sh", "-c", $"echo second >> {order}");
        await LocksJson.WaitForAsync(_locks.Url, "job", l => l.Waiters.Count == 1);

        await holder.WriteLineAsync("done");
        Assert.Equal(0, await holder.WaitForExitAsync());
        Assert.Equal(0, await waiter.WaitForExitAsync());
        Assert.Equal(["first", "second"], await File.ReadAllLinesAsync(order));
    }
}
