# Lightning's manual optimization with two optimizers, each stepped after its backward and
# then cleared; a third one from self.optimizers() that this step only toggles and clears
# (a warm-up optimizer stepped by another hook) has no backward of its own here.
import lightning as L
import torch


class PPO(L.LightningModule):
    def __init__(self, actor: torch.nn.Module, critic: torch.nn.Module):
        super().__init__()
        self.actor = actor
        self.critic = critic
        self.automatic_optimization = False

    def training_step(self, batch):
        state, advantage, target = batch
        optimizer_actor, optimizer_critic, warmup = self.optimizers()
        warmup.zero_grad()

        self.toggle_optimizer(optimizer_actor)
        loss_actor = -(self.actor(state) * advantage).mean()
        self.manual_backward(loss_actor)
        optimizer_actor.step()
        optimizer_actor.zero_grad()
        self.untoggle_optimizer(optimizer_actor)

        loss_critic = (self.critic(state) - target).pow(2).mean()
        self.manual_backward(loss_critic)
        optimizer_critic.step()
        optimizer_critic.zero_grad()

    def configure_optimizers(self):
        return (
            torch.optim.Adam(self.actor.parameters()),
            torch.optim.Adam(self.critic.parameters()),
            torch.optim.SGD(self.actor.parameters()),
        )
