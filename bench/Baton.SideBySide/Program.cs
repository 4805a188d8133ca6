using System.Runtime.InteropServices;
using System.Text.Json;
using Baton.SideBySide;
using Baton.SideBySide.ChildProcesses;
using Baton.SideBySide.Subjects;

HarnessOptions options;
try
{
    options = HarnessOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(HarnessOptions.Usage + Environment.NewLine + SubjectCatalog.Help);
    return 0;
}

if (options.ChildRole is { } role)
{
    // A contending client started by ChildProcess: lines on stdin and stdout, nothing else.
    try
    {
        return await ChildMain.RunAsync(role, options.Subjects[0], options.Settings, CancellationToken.None);
    }
    catch (Exception e)
    {
        await Console.Error.WriteLineAsync($"{e.GetType().Name}: {e.Message}");
        return 1;
    }
}

// In peer mode stdout carries only the JSON result; everything for people goes to stderr.
var log = options.PeerMode ? Console.Error : Console.Out;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var subjects = new List<Subject>();
try
{
    foreach (var spec in options.Subjects)
    {
        subjects.Add(SubjectCatalog.Create(spec, options.ProcessTimeout, options.BatonPlacement));
    }
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

if (options.Settings.Cycles < MeasureSettings.MethodCycles)
{
    await Console.Error.WriteLineAsync($"warning: --cycles {options.Settings.Cycles} is below the method's {MeasureSettings.MethodCycles:N0}; fine for a quick look, not for figures to publish.");
}

var report = new RunReport
{
    StartedAt = DateTimeOffset.UtcNow,
    Machine = $"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}",
    Settings = options.Settings,
};

foreach (var subject in subjects)
{
    await log.WriteLineAsync($"measuring {subject.Name} ({subject.Kind}): {string.Join(", ", options.Settings.Measures).ToLowerInvariant()} ...");
    SubjectResult result;
    try
    {
        result = await subject.MeasureAsync(options.Settings, cancel.Token);
    }
    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
    {
        await Console.Error.WriteLineAsync("cancelled.");
        return 130;
    }
    catch (Exception e)
    {
        // Measures record their own failures; this catches a subject that could not even start.
        result = new SubjectResult { Subject = subject.Name, Kind = subject.Kind, Error = $"{e.GetType().Name}: {e.Message}" };
    }
    finally
    {
        await subject.DisposeAsync();
    }

    result.Normalize();
    report.Results.Add(result);
}

if (options.PeerMode)
{
    // The harness that started this process tabulates; a failure is in the JSON and the exit code.
    Console.WriteLine(JsonSerializer.Serialize(report.Results[0], Json.Options));
}
else
{
    await log.WriteLineAsync();
    await log.WriteLineAsync(MarkdownReport.Render(report, options.RatioReferences));
}

if (options.JsonPath is { } path)
{
    await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, Json.Indented));
    await Console.Error.WriteLineAsync($"raw results written to {path}");
}

return report.Results.Any(r => r.Error is not null) ? 1 : 0;
