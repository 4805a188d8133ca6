using System.Diagnostics;

namespace Baton.Ordering;

/// <summary>Where the application acquired a name: its stack trace, Baton's own frames left out so the first frame is the caller's.</summary>
internal static class AcquisitionSite
{
    private static readonly string Baton = typeof(AcquisitionSite).Assembly.GetName().Name!;

    public static string Capture()
    {
        var frames = new StackTrace(skipFrames: 1, fNeedFileInfo: true).GetFrames();
        var first = 0;
        while (first < frames.Length && IsBatons(frames[first]))
        {
            first++;
        }

        return new StackTrace(frames.Skip(first)).ToString().TrimEnd();
    }

    private static bool IsBatons(StackFrame frame) =>
        DiagnosticMethodInfo.Create(frame)?.DeclaringAssemblyName is { } assembly
        && string.Equals(new System.Reflection.AssemblyName(assembly).Name, Baton, StringComparison.Ordinal);
}
