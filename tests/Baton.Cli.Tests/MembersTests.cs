using System.Text.Json;
using Xunit;

namespace Baton.Cli.Tests;

/// <summary>`baton members`: the members `baton join` keeps, as a table or JSON (schema 1), and `--watch`.</summary>
public sealed class MembersTests : IDisposable
{
    private const int SIGKILL = 9, SIGTERM = 15;

    private readonly LockDirectory _locks = new();

    public void Dispose() => _locks.Dispose();

    [Fact]
    public async Task Members_TwoJoinedProcesses_ListedInJoinOrderWithTheirCapabilities()
    {
        await using var first = BatonProcess.Start(
            "join", "workers", "--id", "worker-1", "--capabilities", "{ \"zone\": \"a\", \"weight\": 2 }", "--backend", _locks.Url, "--", "sh", "-c", "echo joined; read line");
        await first.WaitForLineAsync("joined");
        await using var second = BatonProcess.Start("join", "workers", "--backend", _locks.Url, "--", "sh", "-c", "echo joined; read line");
        await second.WaitForLineAsync("joined");

        var (jsonExit, json, jsonError) = await BatonProcess.RunAsync("members", "workers", "--json", "--backend", _locks.Url);
        var (tableExit, table, _) = await BatonProcess.RunAsync("members", "workers", "--backend", _locks.Url);

        Assert.True(jsonExit == 0, jsonError);
        using var document = JsonDocument.Parse(json);
        var members = Document(document.RootElement).GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(2, members.Count);
        var secondId = $"{Environment.MachineName}:{second.Id}";
        Assert.Equal(["worker-1", secondId], members.Select(m => m.GetProperty("id").GetString()));
        Assert.True(members[1].GetProperty("token").GetInt64() > members[0].GetProperty("token").GetInt64());
        foreach (var (member, process) in members.Zip([first, second]))
        {
            _ = member.GetProperty("joinedAt").GetDateTimeOffset();
            Assert.True(member.GetProperty("memberSeconds").GetDouble() >= 0);
            var who = member.GetProperty("member");
            Assert.Equal(process.Id, who.GetProperty("pid").GetInt32());
            Assert.Equal(Environment.MachineName, who.GetProperty("host").GetString());
            Assert.Equal("dotnet", who.GetProperty("process").GetString());
            Assert.Equal(member.GetProperty("id").GetString(), who.GetProperty("id").GetString());
        }

        var capabilities = members[0].GetProperty("capabilities");
        Assert.Equal(JsonValueKind.Object, capabilities.ValueKind); // JSON, not a string of JSON
        Assert.Equal("a", capabilities.GetProperty("zone").GetString());
        Assert.Equal(2, capabilities.GetProperty("weight").GetInt32());
        Assert.Equal(JsonValueKind.Null, members[1].GetProperty("capabilities").ValueKind);

        Assert.Equal(0, tableExit);
        var lines = table.Split('\n');
        Assert.Equal(["ID", "FOR", "JOINED", "(UTC)", "HOST", "PID", "PROCESS", "CAPABILITIES"], Words(lines[0]));
        foreach (var (line, id, process, capabilitiesText) in (ReadOnlySpan<(string, string, BatonProcess, string)>)
            [(lines[1], "worker-1", first, "{\"zone\":\"a\",\"weight\":2}"), (lines[2], secondId, second, "-")])
        {
            var row = Words(line);
            Assert.Equal(id, row[0]);
            Assert.Equal([Environment.MachineName, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", capabilitiesText], row[^4..]);
            Assert.Equal(lines[0].IndexOf("PID", StringComparison.Ordinal), line.IndexOf($" {process.Id} ", StringComparison.Ordinal) + 1); // aligned
        }

        foreach (var process in (BatonProcess[])[first, second])
        {
            await process.WriteLineAsync("done");
            Assert.Equal(0, await process.WaitForExitAsync());
        }
    }

    [Fact]
    public async Task Members_EmptyGroup_SaysSoAndExits0_JsonHasAnEmptyList()
    {
        var (tableExit, table, _) = await BatonProcess.RunAsync("members", "workers", "--backend", _locks.Url);
        var (jsonExit, json, _) = await BatonProcess.RunAsync("members", "workers", "--json", "--backend", _locks.Url);

        Assert.Equal(0, tableExit);
        Assert.Equal($"No member in group 'workers' on {_locks.Url}.", table.Trim());
        Assert.Equal(0, jsonExit);
        using var document = JsonDocument.Parse(json);
        Assert.Empty(Document(document.RootElement).GetProperty("members").EnumerateArray());
    }

    [Fact]
    public async Task Members_WatchJson_ShowsEachJoinAndLeaveOfTwoProcesses_UntilSigterm()
    {
        await using var watch = BatonProcess.Start("members", "workers", "--watch", "--json", "--backend", _locks.Url);
        await using var first = BatonProcess.Start("join", "workers", "--id", "worker-1", "--backend", _locks.Url, "--", "sh", "-c", "echo joined; read line");
        await first.WaitForLineAsync("joined");
        await watch.WaitForOutputLinesAsync(1);
        await using var second = BatonProcess.Start(
            "join", "workers", "--id", "worker-2", "--capabilities", "[1,2]", "--backend", _locks.Url, "--", "sh", "-c", "echo joined; read line");
        await second.WaitForLineAsync("joined");
        await watch.WaitForOutputLinesAsync(2);

        await first.WriteLineAsync("done");
        Assert.Equal(0, await first.WaitForExitAsync());
        await watch.WaitForOutputLinesAsync(3);
        second.Signal(SIGKILL); // a crashed member leaves too: at once on file://
        await watch.WaitForOutputLinesAsync(4);
        watch.Signal(SIGTERM);

        Assert.Equal(143, await watch.WaitForExitAsync());
        var events = watch.Output.Split('\n').Select(line =>
        {
            using var document = JsonDocument.Parse(line); // one object per line
            var root = document.RootElement;
            Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
            Assert.Equal("workers", root.GetProperty("group").GetString());
            _ = root.GetProperty("observedAt").GetDateTimeOffset();
            _ = root.GetProperty("joinedAt").GetDateTimeOffset();
            _ = root.GetProperty("token").GetInt64();
            Assert.Equal(root.GetProperty("id").GetString(), root.GetProperty("member").GetProperty("id").GetString());
            return $"{root.GetProperty("event").GetString()} {root.GetProperty("id").GetString()} {root.GetProperty("member").GetProperty("pid").GetInt32()} {root.GetProperty("capabilities").GetRawText()}";
        });
        Assert.Equal(
            [$"joined worker-1 {first.Id} null", $"joined worker-2 {second.Id} [1,2]", $"left worker-1 {first.Id} null", $"left worker-2 {second.Id} [1,2]"],
            events);
    }

    [Fact]
    public async Task Members_WatchText_ListsTheMembersAlreadyThereAsJoined()
    {
        await using var member = BatonProcess.Start("join", "workers", "--id", "worker-1", "--capabilities", "{\"zone\":\"a\"}", "--backend", _locks.Url, "--", "sh", "-c", "echo joined; read line");
        await member.WaitForLineAsync("joined");
        await using var watch = BatonProcess.Start("members", "workers", "--watch", "--backend", _locks.Url);

        var line = await watch.WaitForLineAsync("worker-1");

        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  joined  worker-1  ", line);
        Assert.EndsWith($"  worker-1  {Environment.MachineName} pid {member.Id} (dotnet)  {{\"zone\":\"a\"}}", line, StringComparison.Ordinal);
        await member.WriteLineAsync("done");
        Assert.Equal(0, await member.WaitForExitAsync());
        Assert.StartsWith("left    worker-1  ", (await watch.WaitForLineAsync("left"))[21..], StringComparison.Ordinal);
        watch.Signal(SIGTERM);
        Assert.Equal(143, await watch.WaitForExitAsync());
    }

    [Fact]
    public async Task Members_GroupAndLockOfOneName_NeverInteract()
    {
        await using var member = BatonProcess.Start("join", "deploy", "--backend", _locks.Url, "--", "sh", "-c", "echo joined; read line");
        await member.WaitForLineAsync("joined");

        var (runExit, _, runError) = await BatonProcess.RunAsync("run", "deploy", "--timeout", "0", "--backend", _locks.Url, "--", "true");
        var (electExit, _, electError) = await BatonProcess.RunAsync("elect", "deploy", "--timeout", "0", "--backend", _locks.Url, "--", "true");

        Assert.True(runExit == 0, $"the lock 'deploy' is not the group 'deploy': exit {runExit}, {runError}");
        Assert.True(electExit == 0, $"the election 'deploy' is not the group 'deploy': exit {electExit}, {electError}");
        await member.WriteLineAsync("done");
        Assert.Equal(0, await member.WaitForExitAsync());
    }

    [Theory]
    [InlineData]
    [InlineData("a", "b")]
    [InlineData("workers", "--all")]
    public async Task Members_LinesTheGrammarRefuses_AreUsageErrors(params string[] arguments)
    {
        var (exitCode, _, error) = await BatonProcess.RunAsync(["members", "--backend", _locks.Url, .. arguments]);

        Assert.True(exitCode == 64, $"exit {exitCode}: {error}");
        Assert.Contains("baton members --help", error, StringComparison.Ordinal);
    }

    /// <summary>Checks the fields every `members --json` document has; returns its root.</summary>
    private JsonElement Document(JsonElement root)
    {
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(_locks.Url, root.GetProperty("backend").GetString());
        Assert.Equal("workers", root.GetProperty("group").GetString());
        _ = root.GetProperty("observedAt").GetDateTimeOffset();
        return root;
    }

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
