using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Xunit;

namespace Baton.Cli.Tests;

/// <summary>`baton leader`: who leads, as a table or JSON (schema 1), exit 1 when nobody does, and `--watch`.</summary>
public sealed class LeaderTests : IDisposable
{
    private const int SIGINT = 2, SIGTERM = 15;

    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task Leader_NobodyLeads_Exits1SayingSo_AndJsonHasANullLeader()
    {
        var (tableExit, table, _) = await BatonProcess.RunAsync("leader", "scheduler", "--backend", _locks.Url);
        var (jsonExit, json, _) = await BatonProcess.RunAsync("leader", "scheduler", "--json", "--backend", _locks.Url);

        Assert.Equal(1, tableExit);
        Assert.Equal($"Nobody leads 'scheduler' on {_locks.Url}.", table.Trim());
        Assert.Equal(1, jsonExit);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Null, Document(document.RootElement, "scheduler").GetProperty("leader").ValueKind);
    }

    [Fact]
    public async Task Leader_WhileACandidateLeads_ShowsItsIdProcessAndTerm()
    {
        await using var elected = BatonProcess.Start(
            "elect", "scheduler", "--id", "node-a", "--backend", _locks.Url, "--", "sh", "-c", "echo \"leading $BATON_TERM\"; read line");
        var term = (await elected.WaitForLineAsync("leading "))["leading ".Length..];

        var (jsonExit, json, jsonError) = await BatonProcess.RunAsync("leader", "scheduler", "--json", "--backend", _locks.Url);
        var (tableExit, table, _) = await BatonProcess.RunAsync("leader", "scheduler", "--backend", _locks.Url);

        Assert.True(jsonExit == 0, jsonError);
        using var document = JsonDocument.Parse(json);
        var leader = Document(document.RootElement, "scheduler").GetProperty("leader");
        Assert.Equal(term, leader.GetProperty("term").GetInt64().ToString(CultureInfo.InvariantCulture));
        Assert.True(leader.GetProperty("ledSeconds").GetDouble() >= 0);
        _ = leader.GetProperty("since").GetDateTimeOffset();
        var member = leader.GetProperty("member");
        Assert.Equal("node-a", member.GetProperty("id").GetString());
        Assert.Equal(elected.Id, member.GetProperty("pid").GetInt32());
        Assert.Equal(Environment.MachineName, member.GetProperty("host").GetString());
        Assert.Equal("dotnet", member.GetProperty("process").GetString());

        Assert.Equal(0, tableExit);
        var lines = table.Split('\n');
        Assert.Equal(["ELECTION", "TERM", "FOR", "SINCE", "(UTC)", "HOST", "PID", "PROCESS", "ID"], Words(lines[0]));
        var row = Words(lines[1]);
        Assert.Equal(["scheduler", term], row[..2]);
        Assert.Equal([Environment.MachineName, elected.Id.ToString(CultureInfo.InvariantCulture), "dotnet", "node-a"], row[^4..]);
        await elected.WriteLineAsync("done");
        Assert.Equal(0, await elected.WaitForExitAsync());
    }

    [Fact]
    public async Task Leader_WatchJson_PrintsOneDocumentPerChange_UntilSigterm()
    {
        await using var watch = BatonProcess.Start("leader", "scheduler", "--watch", "--json", "--backend", _locks.Url);
        await watch.WaitForOutputLinesAsync(1);

        // Each leader holds until the watch has shown it, and the next one starts once the watch has shown nobody:
        // a watch without change notices reads every 250 ms and may miss a shorter state (docs/cli.md).
        foreach (var (id, lines) in new[] { ("first", 3), ("second", 5) })
        {
            await using var elected = BatonProcess.Start("elect", "scheduler", "--id", id, "--backend", _locks.Url, "--", "sh", "-c", "echo leading; read line");
            await elected.WaitForLineAsync("leading");
            await watch.WaitForLineAsync($"\"id\":\"{id}\"");
            await elected.WriteLineAsync("done");
            Assert.Equal(0, await elected.WaitForExitAsync());
            await watch.WaitForOutputLinesAsync(lines);
        }

        watch.Signal(SIGTERM);

        Assert.Equal(143, await watch.WaitForExitAsync());
        var leaders = watch.Output.Split('\n').Select(line =>
        {
            using var document = JsonDocument.Parse(line); // one whole document per line
            var leader = Document(document.RootElement, "scheduler").GetProperty("leader");
            return leader.ValueKind == JsonValueKind.Null ? null : leader.GetProperty("member").GetProperty("id").GetString();
        });
        Assert.Equal([null, "first", null, "second", null], leaders);
    }

    [Fact]
    public async Task Leader_WatchText_SaysWhoLeadsAndWhenNobodyDoes_EndsWith130AtSigint()
    {
        await using var watch = BatonProcess.Start("leader", "scheduler", "--watch", "--backend", _locks.Url);
        await watch.WaitForLineAsync("'scheduler': nobody leads");
        await using var elected = BatonProcess.Start("elect", "scheduler", "--id", "node-a", "--backend", _locks.Url, "--", "sh", "-c", "echo \"leading $BATON_TERM\"; read line");
        var term = (await elected.WaitForLineAsync("leading "))["leading ".Length..];

        var line = await watch.WaitForLineAsync("led by");

        Assert.Contains($"'scheduler' led by node-a ({Environment.MachineName} pid {elected.Id}, dotnet), term {term}, since ", line, StringComparison.Ordinal);
        watch.Signal(SIGINT);
        Assert.Equal(130, await watch.WaitForExitAsync());
        await elected.WriteLineAsync("done");
        Assert.Equal(0, await elected.WaitForExitAsync());
    }

    /// <summary>`baton leader --watch | head -n1`: .NET ignores SIGPIPE, so the watch must notice the closed pipe itself and end.</summary>
    [Fact]
    public async Task Leader_WatchIntoHead_EndsWith141AtTheNextChange()
    {
        var startInfo = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[
            "-c", "\"$0\" \"$1\" leader scheduler --watch --backend \"$2\" | head -n1; echo \"baton=${PIPESTATUS[0]}\"",
            CliLocator.DotnetHost, CliLocator.Assembly, _locks.Url])
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["DOTNET_EnableDiagnostics"] = "0";
        using var pipeline = Process.Start(startInfo)!;
        try
        {
            using var deadline = new CancellationTokenSource(BatonProcess.Patience);
            Assert.Contains("nobody leads", await pipeline.StandardOutput.ReadLineAsync(deadline.Token), StringComparison.Ordinal); // head has exited

            // A leader until the watch has ended: where a backend has no change notices, a watch reads every 250 ms and could miss a shorter one.
            await using var elected = BatonProcess.Start("elect", "scheduler", "--backend", _locks.Url, "--", "sh", "-c", "echo leading; read line");
            await elected.WaitForLineAsync("leading");

            Assert.Equal("baton=141", await pipeline.StandardOutput.ReadLineAsync(deadline.Token));
            await pipeline.WaitForExitAsync(deadline.Token);
            await elected.WriteLineAsync("done");
            Assert.Equal(0, await elected.WaitForExitAsync());
        }
        finally
        {
            if (!pipeline.HasExited)
            {
                pipeline.Kill(entireProcessTree: true); // a failed run leaves no watch behind
            }
        }
    }

    [Theory]
    [InlineData]
    [InlineData("a", "b")]
    [InlineData("scheduler", "--wait")]
    public async Task Leader_LinesTheGrammarRefuses_AreUsageErrors(params string[] arguments)
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync(["leader", "--backend", _locks.Url, .. arguments]);

        Assert.True(exitCode == 64, $"exit {exitCode}: {error}");
        Assert.Contains("baton leader --help", error, StringComparison.Ordinal);
    }

    /// <summary>Checks the fields every `leader --json` document has; returns its root.</summary>
    private JsonElement Document(JsonElement root, string election)
    {
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(_locks.Url, root.GetProperty("backend").GetString());
        Assert.Equal(election, root.GetProperty("election").GetString());
        _ = root.GetProperty("observedAt").GetDateTimeOffset();
        return root;
    }

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
