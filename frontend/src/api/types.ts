/**
 * The API's data types, taken from the gateway's OpenAPI document (schema.d.ts is generated
 * from frontend/openapi.json by `npm run api:types`). A model the document does not describe
 * (yet) falls back to the shape ARCHITECTURE.md gives it, so the app still compiles.
 */
import type { components } from './schema'

type Schemas = components extends { schemas: infer S } ? S : Record<string, never>
type FromSchema<Name extends string, Fallback> = Name extends keyof Schemas ? Schemas[Name] : Fallback

export type RequestStatus = 'pending' | 'paid' | 'declined' | 'cancelled'

/** Who may see a payment: its two parties only, or everyone (requests are always private). */
export type Visibility = 'private' | 'public'

export type ActivityEvent =
  | 'PaymentSent'
  | 'PaymentReceived'
  | 'PaymentRequested'
  | 'PaymentRequestPaid'
  | 'PaymentRequestDeclined'
  | 'PaymentRequestCancelled'
  | 'DepositReceived'

export type Balance = FromSchema<'Balance', { balance: number; timestamp: number; version: number }>

export type User = FromSchema<'User', { id: string; name: string; username: string }>

export type PaymentRequest = FromSchema<
  'PaymentRequest',
  {
    id: string
    fromUserId: string
    fromUserName: string
    toUserId: string
    toUserName: string
    amount: number
    notes?: string
    timestamp: number
    status?: RequestStatus
  }
>

export type Activity = FromSchema<
  'Activity',
  {
    eventName: ActivityEvent
    amount: number
    fromUserId: string
    fromUserName: string
    toUserId: string
    toUserName: string
    timestamp: number
    requestId?: string | null
    notes?: string
    status?: RequestStatus | null
  }
>

export type TotalTransactions = FromSchema<'TotalTransactions', { total: number; timestamp: number }>
export type AverageTransactions = FromSchema<'AverageTransactions', { average: number; timestamp: number }>

export type PayReply = FromSchema<'PayReply', { commandId: string; amount: number; balance: number; version: number }>
export type RequestReply = FromSchema<'RequestReply', { id: string }>

/** Bodies the app sends; amounts are written exactly by commands.ts, so they are strings there. */
export type PayCommand = FromSchema<'PayCommand', { userId: string; amount: number; notes?: string; requestId?: string | null }>
export type RequestCommand = FromSchema<'RequestCommand', { userId: string; amount: number; notes?: string }>
export type UserProfile = FromSchema<'UserProfile', { name: string; username: string }>
export type TokenResponse = FromSchema<
  'TokenResponse',
  { access_token: string; token_type: string; expires_in: number; scope: string }
>
export type Accepted = FromSchema<'Accepted', { correlationId: string; location: string }>

/** One user's money in and out over one UTC window (`statements` view), replaced as it fills. */
export type Statement = FromSchema<
  'Statement',
  {
    userId: string
    period: 'hour' | 'day'
    start: string
    end: string
    moneyIn: number
    moneyOut: number
    count: number
    timestamp: number
  }
>
