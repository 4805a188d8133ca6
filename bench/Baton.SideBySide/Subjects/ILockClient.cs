namespace Baton.SideBySide.Subjects;

/// <summary>
/// One client of an <see cref="InProcessSubject"/> (for a server backend, one connection or session),
/// bound to one lock name. It holds at most once at a time.
/// </summary>
internal interface ILockClient : IAsyncDisposable
{
    /// <summary>Returns once the name is held, waiting as long as it takes.</summary>
    ValueTask AcquireAsync();

    /// <summary>Releases the hold taken by <see cref="AcquireAsync"/>.</summary>
    ValueTask ReleaseAsync();
}
