using Baton.Hostile.Tests.Support;
using Xunit;
using Xunit.Sdk;

namespace Baton.Hostile.Tests.Names;

/// <summary>
/// DESIGN rule 9 as a property, on every backend: each random name is either refused with an ArgumentException that
/// says why, or acquired; distinct names never exclude each other, the same name always does, the listing gives back
/// exactly the names given, and the backend's storage shows nothing outside the test's namespace and nothing left
/// after release. The table layout (<c>?mode=table</c>) hashes names into a fixed table, where a collision is false
/// contention by design (DESIGN.md, the file backend): there a name that was not free must be free once the others
/// are released.
/// </summary>
public sealed class NameFuzzTests
{
    private const int NamesPerBackend = 300;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static TheoryData<Backend> Backends => [.. Enum.GetValues<Backend>()];

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RandomNames_RefusedOrAcquired_DistinctNeverExclude_ListedVerbatim_NothingOutsideTheNamespace(Backend backend)
    {
        var names = new NameFuzzer(Seed.Value).Names(NamesPerBackend);
        var valid = names.Where(NameFuzzer.IsValid).ToList();
        Assert.True(valid.Count > NamesPerBackend / 2 && valid.Count < names.Count, $"The fuzzer made {valid.Count} valid names of {names.Count}; {Seed.Replay}.");
        var problems = new List<string>();
        await using var space = await Namespace.CreateAsync(backend);
        await using var holder = await space.ConnectAsync();
        await using var rival = await space.ConnectAsync();
        await using (await holder.CreateLock("warm-up").AcquireAsync(Patience))
        {
            // The first hold creates what a backend creates once (a directory's counter, a schema).
        }

        await space.SnapshotAsync();

        foreach (var name in names.Where(n => !NameFuzzer.IsValid(n)))
        {
            var error = Record.Exception(() => holder.CreateLock(name));
            if (error is not ArgumentException { ParamName: "name" } || error is ArgumentNullException || error.Message.Length < 20)
            {
                problems.Add($"{Show.Name(name)} is invalid but gave {error?.GetType().Name ?? "no exception"}: {error?.Message}");
            }
        }

        var handles = new List<LockHandle>();
        var falselyContended = new List<string>();
        foreach (var name in valid)
        {
            try
            {
                if (await holder.CreateLock(name).TryAcquireAsync() is { } handle)
                {
                    handles.Add(handle);
                    if (handle.Name != name)
                    {
                        problems.Add($"{Show.Name(name)} was acquired as {Show.Name(handle.Name)}.");
                    }
                }
                else if (backend == Backend.FileTable)
                {
                    falselyContended.Add(name);
                }
                else
                {
                    problems.Add($"{Show.Name(name)} was not free: another name excluded it.");
                }
            }
            catch (Exception e)
            {
                problems.Add($"{Show.Name(name)} is valid but acquiring it threw {e.GetType().Name}: {e.Message}");
            }
        }

        foreach (var handle in handles)
        {
            if (await rival.CreateLock(handle.Name).TryAcquireAsync() is { } intruder)
            {
                problems.Add($"{Show.Name(handle.Name)} was acquired by a second coordinator while held.");
                await intruder.DisposeAsync();
            }
        }

        var listed = (await rival.ListLocksAsync()).Where(l => l.Kind == LockKind.Lock).Select(l => l.Name).ToList();
        var held = handles.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(listed.Where(n => !held.Contains(n)).Take(10).Select(n => $"Listed but never given: {Show.Name(n)}."));
        problems.AddRange(held.Where(n => !listed.Contains(n, StringComparer.Ordinal)).Take(10).Select(n => $"Held but not listed: {Show.Name(n)}."));
        if (listed.Count != listed.Distinct(StringComparer.Ordinal).Count())
        {
            problems.Add("The listing names a lock twice.");
        }

        problems.AddRange(await space.ProblemsWhileHeldAsync(held));
        foreach (var handle in handles)
        {
            await handle.DisposeAsync();
        }

        if (falselyContended.Count > valid.Count / 20)
        {
            problems.Add($"{falselyContended.Count} of {valid.Count} names shared a table entry: far more than a 65,536-entry table gives.");
        }

        foreach (var name in falselyContended)
        {
            await using var handle = await rival.CreateLock(name).TryAcquireAsync();
            if (handle is null)
            {
                problems.Add($"{Show.Name(name)} (its table entry shared with another name) is still not free after every release.");
            }
        }

        var left = await rival.ListLocksAsync();
        problems.AddRange(left.Take(10).Select(l => $"Still listed after release: {Show.Name(l.Name)}."));
        problems.AddRange(await space.ProblemsAfterReleaseAsync(held));

        if (problems.Count > 0)
        {
            throw new XunitException(
                $"{backend}: {problems.Count} problems with {names.Count} random names ({valid.Count} valid); {Seed.Replay}:{Environment.NewLine}"
                + string.Join(Environment.NewLine, problems.Take(25)));
        }
    }
}
