import { createStreamPay } from './bootstrap'
import './styles.css'

createStreamPay().app.mount('#app')
