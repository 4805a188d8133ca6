using System.Text;
using System.Text.Json;
using Baton.Hosting.Internal;
using Baton.Partitioning;
using Microsoft.Extensions.Options;

namespace Baton.Hosting;

/// <summary>Checks every group membership's options when the host starts; each failure names the option.</summary>
internal sealed class GroupMembershipOptionsValidator : IValidateOptions<GroupMembershipOptions>
{
    private static readonly TimeSpan MaxFiniteTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public ValidateOptionsResult Validate(string? name, GroupMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = $"{nameof(GroupMembershipOptions)}['{name}']";
        var failures = new List<string>();
        try
        {
            MemberIdentity.ForCurrentProcess(options.MemberId);
        }
        catch (ArgumentException e)
        {
            failures.Add($"{key}.{nameof(options.MemberId)}: {Messages.Of(e)}");
        }

        if (CapabilitiesProblem(options.Capabilities) is { } capabilities)
        {
            failures.Add($"{key}.{nameof(options.Capabilities)}: {capabilities}");
        }

        if ((options.JoinTimeout < TimeSpan.Zero || options.JoinTimeout > MaxFiniteTimeout) && options.JoinTimeout != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"{key}.{nameof(options.JoinTimeout)}: must be zero (refuse at once), positive, or Timeout.InfiniteTimeSpan; got {options.JoinTimeout}.");
        }

        failures.AddRange(RetryDelays.Problems(
            $"{key}.{nameof(options.RetryDelay)}", options.RetryDelay, $"{key}.{nameof(options.MaxRetryDelay)}", options.MaxRetryDelay));
        if (options.VirtualNodesPerWeight is < HashRingOptions.MinVirtualNodesPerWeight or > HashRingOptions.MaxVirtualNodesPerWeight)
        {
            failures.Add(
                $"{key}.{nameof(options.VirtualNodesPerWeight)}: must be between {HashRingOptions.MinVirtualNodesPerWeight} and {HashRingOptions.MaxVirtualNodesPerWeight}; got {options.VirtualNodesPerWeight}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // The core's rule for capabilities (MemberIdentity.MaxCapabilitiesBytes of one JSON value), checked here so that
    // bad JSON fails the start instead of every join.
    private static string? CapabilitiesProblem(string? capabilities)
    {
        if (capabilities is null)
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetByteCount(capabilities);
        if (bytes > MemberIdentity.MaxCapabilitiesBytes)
        {
            return $"must be at most {MemberIdentity.MaxCapabilitiesBytes} bytes of UTF-8 JSON; these have {bytes}.";
        }

        try
        {
            using var document = JsonDocument.Parse(capabilities);
            return null;
        }
        catch (JsonException e)
        {
            return $"must be one JSON value: {e.Message}";
        }
    }
}
