/**
 * The API's data types by name. Every one is generated from the gateway's OpenAPI document:
 * `npm run api` exports openapi.json from the gateway and writes schema.d.ts from it
 * (openapi-typescript), so a model that changes in the gateway changes here, and the app stops
 * compiling where it no longer fits. The live views' records are in the document too, as the
 * data of their streams' events.
 */
import type { components } from './schema'

type Schemas = components['schemas']

export type RequestStatus = Schemas['RequestStatus']
export type ActivityEvent = Schemas['ActivityEvent']
/** Who may see a payment: its two parties only, or everyone (requests are always private). */
export type Visibility = Schemas['Visibility']
export type Balance = Schemas['Balance']
export type User = Schemas['User']
export type PaymentRequest = Schemas['PaymentRequest']
export type Activity = Schemas['Activity']
export type Statement = Schemas['Statement']
export type TotalTransactions = Schemas['TotalTransactions']
export type AverageTransactions = Schemas['AverageTransactions']

export type PayReply = Schemas['PayReply']
export type RequestReply = Schemas['RequestReply']
export type Accepted = Schemas['Accepted']
export type TokenResponse = Schemas['TokenResponse']

/** Bodies the app sends; amounts are written exactly by commands.ts, so they are strings there. */
export type PayCommand = Schemas['PayCommand']
export type RequestCommand = Schemas['RequestCommand']
export type UserProfile = Schemas['UserProfile']
