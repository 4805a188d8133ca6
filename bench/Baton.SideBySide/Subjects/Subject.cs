namespace Baton.SideBySide.Subjects;

/// <summary>
/// Something measured side by side: Baton on a backend URL, an in-process peer, or an external
/// program. A subject measures itself with the run's settings and returns the figures; the harness
/// only collects and tabulates them.
/// </summary>
internal abstract class Subject : IAsyncDisposable
{
    protected Subject(string name) => Name = name;

    /// <summary>The label in the table, such as <c>baton:memory://</c>.</summary>
    public string Name { get; }

    /// <summary>"in-process" or "process".</summary>
    public abstract string Kind { get; }

    /// <summary>Runs the measures asked for in <paramref name="settings"/>.</summary>
    public abstract Task<SubjectResult> MeasureAsync(MeasureSettings settings, CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => default;

    public override string ToString() => Name;
}
