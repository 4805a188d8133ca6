using System.Diagnostics;
using System.Text.Json;

namespace Baton.SideBySide.Subjects;

/// <summary>
/// An external program that measures a peer itself (a Python script around fasteners or tooz, another
/// .NET library in its own process, or this harness in <c>--peer-mode</c>) and prints one
/// <see cref="SubjectResult"/> as JSON on stdout. It is run as <c>/bin/sh -c 'COMMAND "$@"'</c> with the
/// run's settings appended (<see cref="MeasureSettings.ToArguments"/>); its stderr is passed through.
/// </summary>
internal sealed class ProcessSubject : Subject
{
    private readonly string _command;
    private readonly TimeSpan _timeout;

    public ProcessSubject(string label, string command, TimeSpan timeout)
        : base(label)
    {
        _command = command;
        _timeout = timeout;
    }

    public override string Kind => "process";

    public override async Task<SubjectResult> MeasureAsync(MeasureSettings settings, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(_command + " \"$@\"");
        start.ArgumentList.Add("sh");
        foreach (var argument in settings.ToArguments())
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"  [{Name}] {e.Data}");
            }
        };

        process.Start();
        process.BeginErrorReadLine();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            return Failed($"did not finish within {_timeout.TotalSeconds:N0} s (--process-timeout); killed.");
        }

        var stdout = await output;
        if (process.ExitCode != 0)
        {
            return Failed($"exited with code {process.ExitCode}.");
        }

        SubjectResult? result;
        try
        {
            result = JsonSerializer.Deserialize<SubjectResult>(JsonPart(stdout), Json.Options);
        }
        catch (JsonException e)
        {
            return Failed($"did not print a JSON result on stdout ({e.Message}).");
        }

        if (result is null)
        {
            return Failed("printed null instead of a JSON result.");
        }

        result.Notes = string.IsNullOrEmpty(result.Subject) || result.Subject == Name
            ? result.Notes
            : $"calls itself '{result.Subject}'. {result.Notes}".TrimEnd();
        result.Subject = Name;
        result.Kind = Kind;
        return result;
    }

    /// <summary>The JSON object on stdout: everything from the first line that starts with '{' (peers may log before it).</summary>
    private static string JsonPart(string stdout)
    {
        var lines = stdout.Split('\n');
        var first = Array.FindIndex(lines, l => l.TrimStart().StartsWith('{'));
        return first < 0 ? stdout : string.Join('\n', lines[first..]);
    }

    private SubjectResult Failed(string why) =>
        new() { Subject = Name, Kind = Kind, Error = $"'{_command}' {why}" };
}
