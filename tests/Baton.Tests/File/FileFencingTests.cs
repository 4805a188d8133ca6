using System.Collections.Concurrent;
using System.Diagnostics;
using Baton.Files;
using Xunit;

namespace Baton.Tests.Files;

/// <summary>
/// The fencing counter (<c>.fencing</c>) when its file is deleted, replaced, truncated or swapped for a link under
/// a running process: tokens keep increasing, nobody faults, links are refused. The cross-process cases are in
/// Audit/AuditFencingTests.cs; these drive <see cref="FencingCounter"/> directly, with threads.
/// </summary>
public sealed class FileFencingTests
{
    [Fact]
    public void Deleted_NextTokenIsAbove_AndTheFileIsBack()
    {
        var (counter, file) = NewCounter("fencing-deleted");
        var before = counter.Next();

        File.Delete(file);

        var after = counter.Next();
        Assert.True(after > before, $"{after} after the deletion, {before} before.");
        Assert.Equal(4096, new FileInfo(file).Length);
        Assert.True(counter.Peek() >= after);
    }

    [Fact]
    public void ReplacedBySmallerValue_NextTokenIsAbove_AndTheOldPageIsRetired()
    {
        var (counter, file) = NewCounter("fencing-restored");
        var before = counter.Next();

        // A restore from an old backup: a whole page whose counter is far behind, renamed over the live file.
        var restored = file + ".restored";
        var page = new byte[4096];
        BitConverter.TryWriteBytes(page, 5L);
        File.WriteAllBytes(restored, page);
        File.Move(file, file + ".old");
        File.Move(restored, file);

        var after = counter.Next();
        Assert.True(after > before, $"{after} after the restore, {before} before.");

        // The replaced page is marked, so a process still drawing from it draws again from the new file.
        var old = BitConverter.ToInt64(File.ReadAllBytes(file + ".old"), 0);
        Assert.NotEqual(0, old & (1L << 62));
        Assert.Equal(before, old & ~(1L << 62));
    }

    [Fact]
    public void PutBackAfterBeingRetired_IsUsedAgain()
    {
        var (counter, file) = NewCounter("fencing-put-back");
        counter.Next();
        File.Move(file, file + ".aside");
        var middle = counter.Next(); // Maps a new file, retires the one set aside.
        File.Move(file + ".aside", file, overwrite: true);

        var after = counter.Next();

        Assert.True(after > middle, $"{after} after the file was put back, {middle} before.");
        Assert.Equal(0, BitConverter.ToInt64(File.ReadAllBytes(file), 0) & (1L << 62));
    }

    [Fact]
    public void Truncated_NextTokenIsAbove_AndThePageIsAllocatedAgain()
    {
        var (counter, file) = NewCounter("fencing-truncated");
        var before = counter.Next();

        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(0);
        }

        var after = counter.Next();
        Assert.True(after > before, $"{after} after the truncation, {before} before.");
        Assert.Equal(4096, new FileInfo(file).Length);
        Assert.True(AllocatedBlocks(file) > 0, "The page of .fencing is sparse again.");
    }

    [Fact]
    public void NewFile_PageIsAllocated_NotSparse()
    {
        var (_, file) = NewCounter("fencing-allocated");

        Assert.True(AllocatedBlocks(file) > 0, "The page of .fencing is sparse: a full file system would fault at the first token.");
    }

    [Fact]
    public void ReplacedByLink_DrawFailsWithoutFollowingIt()
    {
        var (counter, file) = NewCounter("fencing-link");
        counter.Next();
        var target = Path.Combine(Path.GetDirectoryName(file)!, "elsewhere");
        File.Delete(file);
        File.CreateSymbolicLink(file, target);

        var error = Assert.Throws<IOException>(() => counter.Next());

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task ManyThreads_WhileTheFileIsReplacedAgainAndAgain_TokensAreUniqueAndIncreasePerThread()
    {
        var (counter, file) = NewCounter("fencing-threads");
        var all = new ConcurrentBag<long>();
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();

        var drawers = Enumerable.Range(0, Math.Max(4, Environment.ProcessorCount)).Select(_ => Task.Factory.StartNew(
            () =>
            {
                var last = long.MinValue;
                var mine = new List<long>();
                while (!stop.IsCancellationRequested)
                {
                    var token = counter.Next();
                    if (token <= last)
                    {
                        failures.Enqueue($"{token} after {last} on one thread");
                    }

                    last = token;
                    mine.Add(token);
                }

                foreach (var token in mine)
                {
                    all.Add(token);
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();

        // Delete or rename over, never truncate: a truncation between a draw's check and its add still faults
        // (docs/backends/file.md), and this test runs in the test host.
        var replacement = file + ".new";
        for (var round = 0; round < 200; round++)
        {
            if (round % 2 == 0)
            {
                File.Delete(file);
            }
            else
            {
                File.WriteAllBytes(replacement, new byte[4096]);
                File.Move(replacement, file, overwrite: true);
            }

            await Task.Delay(1);
        }

        await stop.CancelAsync();
        await Task.WhenAll(drawers);

        Assert.Empty(failures);
        var tokens = all.ToArray();
        Assert.True(tokens.Length > 200, $"Only {tokens.Length} tokens were drawn.");
        Assert.Equal(tokens.Length, tokens.Distinct().Count());
    }

    private static (FencingCounter Counter, string File) NewCounter(string purpose)
    {
        var path = TestDirectories.NewPath(purpose);
        FencingCounter counter;
        using (var directory = FileLockDirectory.Open(path))
        {
            counter = FencingCounter.For(directory);
        }

        // The counter keeps its own descriptor of the directory: it outlives the backend's.
        return (counter, Path.Combine(path, FencingCounter.FileName));
    }

    private static long AllocatedBlocks(string file)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%b", file]) { RedirectStandardOutput = true })!;
        var output = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return long.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
