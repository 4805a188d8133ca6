using Baton.Backends;
using Baton.Conformance.CrossProcess;

namespace Baton.Tests.CrossProcess.Relay;

/// <summary>
/// The cross-process conformance suite against the test-only relay backend: proves the suite and the
/// holder harness (including <c>--load</c> of a provider assembly) on real processes until the file and
/// server backends bring their own derived classes.
/// </summary>
public sealed class RelayCrossProcessTests : CrossProcessConformanceTests
{
    static RelayCrossProcessTests() => BackendRegistry.Register(new RelayBackendProvider());

    protected override string BackendUrl => RelayLockServer.Shared.Url;

    protected override HolderProcessOptions CreateHolderOptions(string? memberId)
    {
        var options = base.CreateHolderOptions(memberId);
        options.ProviderAssemblies.Add(typeof(RelayBackendProvider).Assembly.Location);
        return options;
    }
}
