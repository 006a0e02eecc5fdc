using System.Text.Json.Nodes;

namespace DelphiRounds.Studies;

/// <summary>
/// The study as the public record names it, written once for the export and the frozen vision (whose hash
/// depends on these exact bytes: the order of the fields is part of the format).
/// </summary>
public static class StudyHeader
{
    public static JsonObject Json(Study study) => new()
    {
        ["id"] = study.Id,
        ["title"] = study.Title,
        ["question"] = study.Question,
        ["organiser"] = study.Organiser,
        ["horizonYear"] = study.HorizonYear,
    };
}
