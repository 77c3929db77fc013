import FluentKit

/// Every migration, in order. New ones are appended, never reordered.
public enum HotlineMigrations {
    public static let all: [any Migration] = [
        M001_CreateDirectory(),
        M002_CreateOrders(),
        M003_CreateNotices(),
        M004_CreateAccess(),
        M005_QueueUnit(),
        M006_OpenQueueIndex(),
        M007_QueueGenerations(),
        M008_Measures(),
        M009_ReplySignatures(),
        M010_HotspotAlerts(),
        M011_SignOffAndCallbacks(),
        M012_AuditLog(),
        M013_SessionHardening(),
        M014_CityExchange(),
        M015_Open311Keys(),
        M016_Notify(),
        M017_Escalations(),
        M018_Dispatch(),
        M019_SettingsChanges(),
        M020_QueueKeys(),
    ]
}
