using System.Diagnostics;

namespace Baton;

/// <summary>
/// Who holds or waits for a lock: the host, the process and an optional id chosen by the application.
/// </summary>
/// <param name="Host">The machine's host name.</param>
/// <param name="ProcessId">The operating-system process id.</param>
/// <param name="ProcessName">The process name, as the operating system reports it.</param>
/// <param name="CustomId">An optional id set by the application (<see cref="CoordinatorOptions.MemberId"/>), such as a service instance name.</param>
public sealed record MemberIdentity(string Host, int ProcessId, string ProcessName, string? CustomId = null)
{
    /// <summary>The longest custom id accepted, in characters.</summary>
    public const int MaxCustomIdLength = 256;

    /// <summary>The largest <see cref="Capabilities"/> accepted, in UTF-8 bytes (every backend keeps it beside the hold).</summary>
    public const int MaxCapabilitiesBytes = 1024;

    /// <summary>
    /// A group member's capabilities, as JSON text (see <see cref="MemberGroup.JoinAsync"/>); null for lock holders and
    /// members that declared none.
    /// </summary>
    public string? Capabilities { get; init; }

    private static readonly Lazy<(string Host, int Pid, string Process)> CurrentProcess = new(() =>
        (Environment.MachineName, Environment.ProcessId, CurrentProcessName()));

    /// <summary>Describes the current process, with an optional custom id.</summary>
    /// <param name="customId">An application-chosen id; null for none.</param>
    /// <exception cref="ArgumentException">The custom id is empty, too long or contains control characters.</exception>
    public static MemberIdentity ForCurrentProcess(string? customId = null)
    {
        ValidateCustomId(customId, nameof(customId));
        var (host, pid, process) = CurrentProcess.Value;
        return new MemberIdentity(host, pid, process, customId);
    }

    /// <summary>A one-line description, <c>id@host:pid(process)</c> or <c>host:pid(process)</c>.</summary>
    public override string ToString() =>
        CustomId is null ? $"{Host}:{ProcessId}({ProcessName})" : $"{CustomId}@{Host}:{ProcessId}({ProcessName})";

    // Process.ProcessName reads the whole process description on Linux (stat, status, cmdline and every thread's
    // stat), a noticeable part of a short-lived command's start. The name alone is /proc/self/comm, which is what
    // ProcessName returns unless the kernel truncated it to 15 characters; then ask Process for the full one.
    private static string CurrentProcessName()
    {
        const int KernelNameLimit = 15;
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var name = File.ReadAllText("/proc/self/comm").TrimEnd('\n');
                if (name.Length is > 0 and < KernelNameLimit)
                {
                    return name;
                }
            }
            catch (IOException)
            {
                // No /proc: fall through.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        using var process = Process.GetCurrentProcess();
        return process.ProcessName;
    }

    internal static void ValidateCapabilities(string? capabilities, string paramName)
    {
        if (capabilities is null)
        {
            return;
        }

        var bytes = System.Text.Encoding.UTF8.GetByteCount(capabilities);
        if (bytes > MaxCapabilitiesBytes)
        {
            throw new ArgumentException(
                $"Capabilities must be at most {MaxCapabilitiesBytes} bytes of UTF-8 JSON; these have {bytes}.", paramName);
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(capabilities);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgumentException($"Capabilities must be one JSON value: {e.Message}", paramName, e);
        }
    }

    internal static void ValidateCustomId(string? customId, string paramName)
    {
        if (customId is null)
        {
            return;
        }

        if (customId.Length == 0)
        {
            throw new ArgumentException("A member id must not be empty; pass null for none.", paramName);
        }

        if (customId.Length > MaxCustomIdLength)
        {
            throw new ArgumentException(
                $"A member id must be at most {MaxCustomIdLength} characters; this one has {customId.Length}.", paramName);
        }

        for (var i = 0; i < customId.Length; i++)
        {
            if (char.IsControl(customId[i]))
            {
                throw new ArgumentException(
                    $"A member id must not contain control characters; found U+{(int)customId[i]:X4} at index {i}.", paramName);
            }
        }
    }
}
